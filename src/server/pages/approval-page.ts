import { escapeHtml, layout } from './html.ts';

/** The approval page: plain forms (no script), so it works under the strictest CSP. */
export const APPROVAL_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface ApprovalPageInput {
  readonly id: string;
  readonly view: string;
  readonly requester: { readonly kind: string; readonly username: string; readonly tokenName: string | null; readonly owner: string | null };
  readonly env: string;
  readonly method: string;
  readonly target: string;
  readonly action: string;
  readonly dagIds: readonly string[];
  readonly contentType: string | null;
  readonly body: Buffer;
  readonly bodySha256: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedBy: string | null;
  readonly upstreamStatus: number | null;
  readonly error: string | null;
  readonly viewer: string;
  /** Why this person cannot decide (shown instead of the buttons), or undefined when they can. */
  readonly cannotDecide: string | undefined;
  /** The viewer's security-key confirmation is fresh enough to approve. */
  readonly stepUpFresh: boolean;
}

const STYLE = `<style>
table{width:100%;border-collapse:collapse;margin:.75rem 0;font-size:.92rem}th,td{text-align:left;padding:.4rem .35rem;border-bottom:1px solid #8883;vertical-align:top}
th{color:var(--muted);font-weight:600;width:9rem}pre{white-space:pre-wrap;word-break:break-all;background:#8881;padding:.75rem;border-radius:8px;max-height:24rem;overflow:auto}
.actions{margin-top:1rem;display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}form{display:inline}button.danger{background:var(--bad)}
.status{font-weight:700}
</style>`;

const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

function bodyView(body: Buffer, contentType: string | null): string {
  if (body.length === 0) return '<p class="muted">(no body)</p>';
  const text = body.toString('utf8');
  const printable = Buffer.from(text, 'utf8').equals(body) && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  return printable ? `<pre id="approval-body">${escapeHtml(text)}</pre>` : `<p>${body.length} bytes of ${escapeHtml(contentType ?? 'binary data')} (not text), base64:</p><pre id="approval-body">${escapeHtml(body.toString('base64'))}</pre>`;
}

export function approvalPage(p: ApprovalPageInput): string {
  const who = `${p.requester.kind} <strong>${escapeHtml(p.requester.username)}</strong>${p.requester.tokenName ? ` (token <span class="mono">${escapeHtml(p.requester.tokenName)}</span>)` : ''}${p.requester.owner ? `, owned by <strong>${escapeHtml(p.requester.owner)}</strong>` : ''}`;
  let decide = '';
  if (p.view === 'pending') {
    if (p.cannotDecide !== undefined) {
      decide = `<p class="code" id="approval-cannot">${escapeHtml(p.cannotDecide)}</p>`;
    } else {
      const hidden = `<input type="hidden" name="sha256" value="${escapeHtml(p.bodySha256)}">`;
      const approve = p.stepUpFresh
        ? `<form method="post" action="/.airlock/approvals/${escapeHtml(p.id)}/approve">${hidden}<button id="approve" type="submit">Approve and run it</button></form>`
        : `<a class="button" id="step-up" href="/.airlock/webauthn/step-up?rd=${encodeURIComponent(`/.airlock/approvals/${p.id}`)}">Confirm with my security key to approve</a>`;
      decide = `<div class="actions">${approve}<form method="post" action="/.airlock/approvals/${escapeHtml(p.id)}/deny">${hidden}<button id="deny" class="danger" type="submit">Deny</button></form></div>
<p class="muted">Approving runs exactly this request once, as ${escapeHtml(p.requester.username)}, with you named as the approver.</p>`;
    }
  }
  const outcome = p.view === 'executed' ? `<p id="approval-outcome">Performed; Airflow answered <strong>${p.upstreamStatus ?? '-'}</strong>.</p>`
    : p.view === 'failed' ? `<p id="approval-outcome" class="code">Approved, but not performed: ${escapeHtml(p.error ?? 'error')}.</p>` : '';
  return layout(
    'Approve a request',
    `${STYLE}<h1>A request needs your approval</h1>
<p>${who} asks to <strong>${escapeHtml(p.action)}</strong> in <strong>${escapeHtml(p.env)}</strong>.</p>
<p>Status: <span class="status" id="approval-status">${escapeHtml(p.view)}</span>${p.decidedBy ? ` (decided by ${escapeHtml(p.decidedBy)})` : ''}</p>
${outcome}
<table>
<tr><th>Request</th><td class="mono">${escapeHtml(p.method)} ${escapeHtml(p.target)}</td></tr>
<tr><th>DAGs</th><td class="mono">${escapeHtml(p.dagIds.join(', ') || '-')}</td></tr>
<tr><th>Content type</th><td class="mono">${escapeHtml(p.contentType ?? '-')}</td></tr>
<tr><th>Body SHA-256</th><td class="mono" id="approval-sha256">${escapeHtml(p.bodySha256)}</td></tr>
<tr><th>Asked</th><td>${iso(p.createdAt)}</td></tr>
<tr><th>Expires</th><td>${iso(p.expiresAt)}</td></tr>
</table>
<h2 style="font-size:1.05rem">Body (exactly what will be sent)</h2>
${bodyView(p.body, p.contentType)}
${decide}
<p class="muted">Signed in as ${escapeHtml(p.viewer)}.</p>`,
  );
}
