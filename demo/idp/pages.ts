/** The dev IdP's own small HTML pages. Everything interpolated goes through escapeHtml. */

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `
  body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; background: #f4f5f7; margin: 0; color: #1f2933; }
  main { max-width: 380px; margin: 10vh auto; background: #fff; border-radius: 10px; padding: 28px 32px;
         box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  h1 { font-size: 1.25rem; margin: 0 0 4px; } p.sub { color: #616e7c; margin: 0 0 20px; font-size: .9rem; }
  label { display: block; font-size: .85rem; margin: 12px 0 4px; color: #3e4c59; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: 9px 10px; border: 1px solid #cbd2d9;
         border-radius: 6px; font-size: 1rem; }
  button { margin-top: 20px; width: 100%; padding: 10px; border: 0; border-radius: 6px; background: #2f6fed; color: #fff;
         font-size: 1rem; cursor: pointer; } button.secondary { background: #e4e7eb; color: #1f2933; }
  .error { background: #fde8e8; color: #9b1c1c; padding: 8px 10px; border-radius: 6px; font-size: .9rem; margin-bottom: 8px; }
  .hint { font-size: .8rem; color: #7b8794; margin-top: 16px; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export function loginPage(opts: { action: string; clientId: string; username?: string; error?: string }): string {
  return page('Sign in - Airlock dev IdP', `
  <h1>Sign in</h1>
  <p class="sub">Airlock dev IdP &middot; for <strong>${escapeHtml(opts.clientId)}</strong></p>
  ${opts.error ? `<div class="error" role="alert">${escapeHtml(opts.error)}</div>` : ''}
  <form method="post" action="${escapeHtml(opts.action)}" autocomplete="off">
    <label for="username">Username</label>
    <input type="text" id="username" name="username" value="${escapeHtml(opts.username ?? '')}" required autofocus>
    <label for="password">Password</label>
    <input type="password" id="password" name="password" required>
    <button type="submit">Sign in</button>
  </form>
  <p class="hint">Demo users and passwords are printed in the terminal that started the demo.</p>`);
}

export function errorPage(error: string, description: string | undefined): string {
  return page('Error - Airlock dev IdP', `
  <h1>Something went wrong</h1>
  <p class="sub">The dev IdP refused the request.</p>
  <div class="error"><strong>${escapeHtml(error)}</strong>${description ? `<br>${escapeHtml(description)}` : ''}</div>`);
}

/** `form` is oidc-provider's own logout form (id "op.logoutForm", with its xsrf field). */
export function logoutPage(form: string): string {
  return page('Sign out - Airlock dev IdP', `
  <h1>Sign out?</h1>
  <p class="sub">End your session at the dev IdP.</p>
  ${form}
  <button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
  <button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`);
}

export function loggedOutPage(): string {
  return page('Signed out - Airlock dev IdP', `
  <h1>Signed out</h1>
  <p class="sub">Your session at the dev IdP has ended. You can close this tab.</p>`);
}
