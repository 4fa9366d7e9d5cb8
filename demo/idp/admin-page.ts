import { escapeHtml } from './pages.ts';
import type { DemoUser } from './types.ts';

/** The dev IdP's admin page: each user's groups, editable, and "sign out everywhere" (development only). */
export function adminPage(users: readonly DemoUser[], notice?: string): string {
  const rows = users
    .map((u) => `
    <tr>
      <td><strong>${escapeHtml(u.username)}</strong><br><small>${escapeHtml(u.name)}</small></td>
      <td>
        <form method="post" action="/admin/groups">
          <input type="hidden" name="username" value="${escapeHtml(u.username)}">
          <input type="text" name="groups" value="${escapeHtml(u.groups.join(', '))}" aria-label="groups of ${escapeHtml(u.username)}">
          <button type="submit">Save groups</button>
        </form>
      </td>
      <td>
        <form method="post" action="/admin/logout">
          <input type="hidden" name="username" value="${escapeHtml(u.username)}">
          <button type="submit" class="secondary">Sign out everywhere</button>
        </form>
      </td>
    </tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Admin - Airlock dev IdP</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1f2933; margin: 0; }
  main { max-width: 900px; margin: 5vh auto; background: #fff; border-radius: 10px; padding: 24px 32px; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  table { width: 100%; border-collapse: collapse; } td { padding: 10px 6px; border-top: 1px solid #e4e7eb; vertical-align: top; }
  input[type=text] { width: 60%; padding: 6px; } button { padding: 6px 10px; border: 0; border-radius: 6px; background: #2f6fed; color: #fff; cursor: pointer; }
  button.secondary { background: #e4e7eb; color: #1f2933; } .notice { background: #e3f8e8; padding: 8px 10px; border-radius: 6px; }
  p.hint { color: #616e7c; font-size: .9rem; }
</style></head>
<body><main>
  <h1>Dev IdP admin</h1>
  <p class="hint">Development only. A changed group reaches the gateway at the session's next refresh
  (<code>session.claims_max_age</code>); "Sign out everywhere" ends the user's sessions at once (back-channel logout).</p>
  ${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : ''}
  <table><tbody>${rows}</tbody></table>
</main></body></html>`;
}
