import { escapeHtml, layout } from './html.ts';

/** Pages of the security-key flows. Scripts are same-origin files (no inline script), see WEBAUTHN_CSP. */
export const WEBAUTHN_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `<style>
.wa-status{margin:1rem 0 0;min-height:1.5em}.wa-status.bad{color:var(--bad)}.wa-status.ok{color:#1a7f37}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}input[type=text]{font:inherit;padding:.45rem .6rem;border:1px solid #8886;border-radius:8px;width:100%;box-sizing:border-box;background:transparent;color:inherit}
.actions{margin-top:1rem;display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
button.secondary,a.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}
button.danger{background:var(--bad)}
table{width:100%;border-collapse:collapse;margin:.75rem 0;font-size:.92rem}th,td{text-align:left;padding:.45rem .35rem;border-bottom:1px solid #8883;vertical-align:top}
th{color:var(--muted);font-weight:600}.tag{display:inline-block;white-space:nowrap;font-size:.75rem;padding:0 .4rem;border-radius:6px;background:#8882;color:var(--muted)}
td.act{white-space:nowrap;text-align:right}button.small{padding:.3rem .65rem;font-size:.85rem}
.key-icon{color:var(--accent);display:block;margin-bottom:.5rem}
</style>`;

const ICON = '<svg class="key-icon" aria-hidden="true" width="40" height="40" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><rect x="7" y="2" width="10" height="15" rx="2.5"/><circle cx="12" cy="9.5" r="2.2"/><path d="M10 17v3.5a2 2 0 0 0 4 0V17"/></svg>';

function scripts(): string {
  return '<script src="/.airlock/webauthn/browser.js"></script><script src="/.airlock/webauthn/page.js"></script>';
}

function root(attrs: Record<string, string>): string {
  const a = Object.entries(attrs).map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`).join('');
  return `<div id="wa"${a}></div>`;
}

const status = '<p id="wa-status" class="wa-status" role="status" aria-live="polite"></p>';

export interface PersonView {
  readonly username: string;
  readonly name?: string | undefined;
}

/** After login: confirm with a registered key (mode login) before the session counts as verified. */
export function verifyPage(p: PersonView & { rd: string; required: boolean }): string {
  return layout(
    'Confirm with your security key',
    `${STYLE}${ICON}<h1>Confirm it's you</h1>
<p>Signed in as <strong>${escapeHtml(p.username)}</strong>. ${p.required ? 'Your role requires a security key:' : 'You have a security key registered:'} touch it (and enter its PIN if asked) to continue.</p>
<div class="actions"><button id="wa-go" type="button">Use my security key</button>${p.required ? '' : `<a class="button secondary" id="wa-skip" href="${escapeHtml(p.rd)}">Not now</a>`}</div>${status}
<p class="muted">Lost your key? Ask an administrator to revoke it; you can register a new one after signing in again.</p>
${root({ mode: 'login', rd: p.rd })}${scripts()}`,
  );
}

/**
 * First key (mode enroll) or another key (mode add). With `signInAgain` (a first key whose IdP sign-in is too
 * old): no register button, a link to sign in again (forced) that comes back here.
 */
export function enrollPage(p: PersonView & { rd: string; mode: 'enroll' | 'add'; keyCount: number; reason?: string | undefined; signInAgain?: string | undefined }): string {
  if (p.signInAgain !== undefined) {
    return layout(
      'Sign in again to register a security key',
      `${STYLE}${ICON}<h1>Sign in again first</h1>
<p>Signed in as <strong>${escapeHtml(p.username)}</strong>. ${escapeHtml(p.reason ?? 'Your role requires a security key.')}</p>
<p>Your first security key is registered on the strength of your sign-in with your identity provider, and that sign-in is too long ago. Sign in again; you come back here to register the key.</p>
<div class="actions"><a class="button" id="wa-reauth" href="${escapeHtml(p.signInAgain)}">Sign in again</a><a class="button secondary" href="/">Cancel</a></div>
<p class="muted"><span class="code">AIRLOCK_WEBAUTHN_FRESH_LOGIN_REQUIRED</span></p>`,
    );
  }
  const intro =
    p.mode === 'enroll'
      ? `<p>Signed in as <strong>${escapeHtml(p.username)}</strong>. ${escapeHtml(p.reason ?? 'Your role requires a security key.')} Register one now: Airflow opens once it is done.</p>`
      : `<p>Signed in as <strong>${escapeHtml(p.username)}</strong>. You have ${p.keyCount} key${p.keyCount === 1 ? '' : 's'}. A second key is a good backup if you lose one.</p>`;
  return layout(
    p.mode === 'enroll' ? 'Register a security key' : 'Add a security key',
    `${STYLE}${ICON}<h1>${p.mode === 'enroll' ? 'Register your security key' : 'Add a security key'}</h1>${intro}
<label for="wa-name">Name for this key</label><input id="wa-name" type="text" maxlength="64" placeholder="e.g. YubiKey on my keyring" autocomplete="off">
<div class="actions"><button id="wa-go" type="button">Register key</button>${p.mode === 'add' ? '<a class="button secondary" href="/.airlock/webauthn/keys">Back to my keys</a>' : ''}</div>${status}
<p class="muted">Your browser will ask you to insert or touch the key, and may ask for its PIN.</p>
${root({ mode: p.mode, rd: p.rd })}${scripts()}`,
  );
}

/** A fresh assertion before a dangerous action; returns to `rd`. */
export function stepUpPage(p: PersonView & { rd: string; action?: string | undefined; idpLogin: boolean }): string {
  return layout(
    'Confirm this action',
    `${STYLE}${ICON}<h1>Confirm this action</h1>
<p>This action${p.action ? ` (<strong>${escapeHtml(p.action)}</strong>)` : ''} needs a fresh confirmation with your security key, <strong>${escapeHtml(p.username)}</strong>. Afterwards you return to where you were.</p>
<div class="actions"><button id="wa-go" type="button">Confirm with my security key</button><a class="button secondary" href="/">Cancel</a>${p.idpLogin ? '<a class="button secondary" href="/.airlock/login">Sign in again instead</a>' : ''}</div>${status}
<p class="muted">Going back to: <span class="mono">${escapeHtml(p.rd)}</span></p>
${root({ mode: 'step_up', rd: p.rd })}${scripts()}`,
  );
}

export interface KeyRow {
  readonly id: string;
  readonly name: string;
  readonly model: string | undefined;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly disabledReason: string | null;
  readonly current: boolean;
  readonly synced: boolean;
}

function when(ms: number | null): string {
  if (ms === null) return '<span class="muted">never</span>';
  return `<time datetime="${new Date(ms).toISOString()}">${escapeHtml(new Date(ms).toISOString().replace('T', ' ').slice(0, 16))} UTC</time>`;
}

/** Self-service: list, rename, remove, add. */
export function keysPage(p: PersonView & { keys: readonly KeyRow[]; required: boolean; maxKeys: number }): string {
  const rows = p.keys
    .map(
      (k) => `<tr data-id="${escapeHtml(k.id)}"><td><strong class="key-name">${escapeHtml(k.name)}</strong>${k.current ? ' <span class="tag">used for this session</span>' : ''}${k.synced ? ' <span class="tag">synced passkey</span>' : ''}${k.disabledReason ? `<br><span class="code">disabled: ${escapeHtml(k.disabledReason)}</span>` : ''}</td>
<td>${k.model ? escapeHtml(k.model) : '<span class="muted">Unknown model</span>'}</td><td>${when(k.createdAt)}</td><td>${when(k.lastUsedAt)}</td>
<td class="act"><button type="button" class="secondary small" data-action="rename" data-id="${escapeHtml(k.id)}">Rename</button> <button type="button" class="danger small" data-action="remove" data-id="${escapeHtml(k.id)}">Remove</button></td></tr>`,
    )
    .join('\n');
  const table = p.keys.length
    ? `<table><thead><tr><th>Name</th><th>Model</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p><em>No security keys yet.</em></p>';
  return layout(
    'Your security keys',
    `${STYLE}<h1>Your security keys</h1><p>Signed in as <strong>${escapeHtml(p.username)}</strong>.${p.required ? ' Your role requires at least one key.' : ''}</p>${table}
<div class="actions">${p.keys.length < p.maxKeys ? '<a class="button" href="/.airlock/webauthn/enroll?rd=%2F.airlock%2Fwebauthn%2Fkeys" id="wa-add">Add a key</a>' : ''}<a class="button secondary" href="/">Back to Airflow</a></div>${status}
<p class="muted">Removing a key needs a fresh confirmation with another key, or a fresh sign-in.</p>
${root({ mode: 'keys', rd: '/.airlock/webauthn/keys' })}${scripts()}`,
  );
}

/** Sign in with a discoverable credential (passkey), no IdP round trip. */
export function passwordlessPage(p: { rd: string }): string {
  return layout(
    'Sign in with a security key',
    `${STYLE}${ICON}<h1>Sign in with your security key</h1>
<p>Use a key you registered earlier on this site. No password needed.</p>
<div class="actions"><button id="wa-go" type="button">Sign in with my key</button><a class="button secondary" href="/.airlock/login">Sign in with your identity provider</a></div>${status}
${root({ mode: 'passwordless', rd: p.rd })}${scripts()}`,
  );
}
