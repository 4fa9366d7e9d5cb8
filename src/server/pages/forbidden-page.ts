import { escapeHtml, layout } from './html.ts';

export interface ForbiddenPageInput {
  readonly username: string;
  readonly action: string;
  readonly resource: string;
  readonly env: string;
  readonly dagIds: readonly string[];
  readonly reasons: ReadonlyArray<{ readonly code: string; readonly message: string; readonly rule?: { readonly id: string; readonly name?: string } }>;
  readonly grantingGroups: readonly string[];
  readonly yourGroups: readonly string[];
  readonly requestId: string;
}

export function forbiddenPage(p: ForbiddenPageInput): string {
  const what = `${p.action} on ${p.resource}${p.dagIds.length ? ` (${p.dagIds.join(', ')})` : ''} in ${p.env}`;
  const reasons = p.reasons
    .map((r) => `<li>${escapeHtml(r.message)} <span class="muted mono">${escapeHtml(r.code)}${r.rule ? ` · rule ${escapeHtml(r.rule.name ?? r.rule.id)}` : ''}</span></li>`)
    .join('');
  const groups = p.grantingGroups.length
    ? `<p>Membership in one of these groups would grant access: ${p.grantingGroups.map((g) => `<code>${escapeHtml(g)}</code>`).join(', ')}. Ask your identity administrator.</p>`
    : `<p>No group in the current configuration grants this. Ask the Airlock administrators.</p>`;
  const yours = p.yourGroups.length ? p.yourGroups.map((g) => `<code>${escapeHtml(g)}</code>`).join(', ') : '<span class="muted">none</span>';
  return layout(
    'Access denied',
    `<h1>Access denied</h1><p>You are signed in as <strong>${escapeHtml(p.username)}</strong>, but you may not do this: ${escapeHtml(what)}.</p>
<ul>${reasons}</ul>${groups}<p class="muted">Your groups: ${yours}</p>
<form method="post" action="/.airlock/logout"><button type="submit">Sign out</button></form>
<p class="muted">Request <span class="mono">${escapeHtml(p.requestId)}</span></p>`,
  );
}
