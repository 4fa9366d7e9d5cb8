import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderType } from './load-provider.ts';
import type { createMemoryStorage } from './memory-adapter.ts';
import { subjectOf } from './demo-users.ts';
import { adminPage } from './admin-page.ts';
import type { DemoUser } from './types.ts';

/** What the admin endpoints reach into: the live provider, the users (mutable groups) and the adapter storage. */
export interface AdminDeps {
  provider(): ProviderType;
  readonly users: DemoUser[];
  readonly storage: ReturnType<typeof createMemoryStorage>;
  readonly issuer: string;
}

const MAX_FORM_BYTES = 8 * 1024;
const GROUP = /^[A-Za-z0-9._:@/-]{1,100}$/;

/** Replaces a user's groups (the same objects the provider's findAccount reads, so the next token has them). */
export function setUserGroups(users: DemoUser[], username: string, groups: readonly string[]): void {
  const i = users.findIndex((u) => u.username === username);
  if (i < 0) throw new TypeError(`setGroups: no user ${username}`);
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && GROUP.test(g))) throw new TypeError('setGroups: groups must be names of [A-Za-z0-9._:@/-]');
  (users[i] as { groups: readonly string[] }).groups = Object.freeze([...new Set(groups)]);
}

/**
 * "Sign out everywhere" for one user: every IdP session of the account ends. Clients with a backchannel_logout_uri
 * get oidc-provider's own logout token (sid and sub) first, then the session and its grants (with their refresh
 * tokens) are destroyed, as the IdP's end_session does. Returns how many logout tokens were accepted (200/204).
 * `backchannel: false` (tests): no logout tokens, the grants just vanish (a refresh is then refused: invalid_grant).
 */
export async function endUserSessions(deps: AdminDeps, username: string, opts: { backchannel?: boolean } = {}): Promise<number> {
  if (!deps.users.some((u) => u.username === username)) throw new TypeError(`endSessions: no user ${username}`);
  const sub = subjectOf(username);
  const provider = deps.provider();
  let delivered = 0;
  for (const [id, payload] of deps.storage.payloads('Session')) {
    if (payload.accountId !== sub) continue;
    const authorizations = (payload.authorizations ?? {}) as Record<string, { sid?: string; grantId?: string }>;
    for (const [clientId, a] of Object.entries(authorizations)) {
      // Client#backchannelLogout(sub, sid) issues and posts the logout token (oidc-provider's own; untyped)
      const client = (await provider.Client.find(clientId)) as unknown as { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid: string): Promise<void> } | undefined;
      if (opts.backchannel !== false && client?.backchannelLogoutUri && a.sid) {
        try {
          await client.backchannelLogout(sub, a.sid);
          delivered++;
        } catch {
          // the client refused or is down: the IdP session ends anyway
        }
      }
      if (a.grantId) {
        await deps.storage.factory('Grant').revokeByGrantId(a.grantId); // tokens and codes of the grant, every model
        await deps.storage.factory('Grant').destroy(a.grantId);
      }
    }
    await deps.storage.factory('Session').destroy(id);
  }
  return delivered;
}

/**
 * The dev IdP's admin page (development only: no authentication): GET /admin lists the users and their groups;
 * POST /admin/groups (username, groups: comma or space separated) changes a user's groups; POST /admin/logout
 * (username) ends the user's IdP sessions with a back-channel logout to the clients. A form post from another
 * origin is refused. Answers JSON to `Accept: application/json`, else redirects back to the page.
 * Returns false for other paths.
 */
export async function handleAdmin(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/admin' && path !== '/admin/groups' && path !== '/admin/logout') return false;
  const json = String(req.headers.accept ?? '').includes('application/json');
  if (path === '/admin') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, json, { error: 'method not allowed' });
    const notice = new URL(req.url ?? '/', deps.issuer).searchParams.get('done') ?? undefined;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' });
    res.end(adminPage(deps.users, notice));
    return true;
  }
  if (req.method !== 'POST') return send(res, 405, json, { error: 'method not allowed' });
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if ((origin !== undefined && origin !== new URL(deps.issuer).origin) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    return send(res, 403, json, { error: 'cross-origin admin requests are refused' });
  }
  const form = await readForm(req);
  if (!form) return send(res, 413, json, { error: 'form too large' });
  const username = form.get('username') ?? '';
  if (!deps.users.some((u) => u.username === username)) return send(res, 404, json, { error: `no user ${username.slice(0, 40)}` });
  let done: string;
  if (path === '/admin/groups') {
    const groups = (form.get('groups') ?? '').split(/[\s,]+/).filter((g) => g !== '');
    try {
      setUserGroups(deps.users, username, groups);
    } catch (err) {
      return send(res, 400, json, { error: (err as Error).message });
    }
    done = `${username}: groups now ${groups.length ? groups.join(', ') : '(none)'}`;
    if (json) return send(res, 200, true, { username, groups });
  } else {
    const delivered = await endUserSessions(deps, username);
    done = `${username}: IdP sessions ended, ${delivered} back-channel logout(s) delivered`;
    if (json) return send(res, 200, true, { username, backchannel_logouts: delivered });
  }
  res.writeHead(303, { location: `/admin?done=${encodeURIComponent(done)}`, 'cache-control': 'no-store' });
  res.end();
  return true;
}

function send(res: ServerResponse, status: number, json: boolean, body: { error?: string } & Record<string, unknown>): true {
  const text = json ? JSON.stringify(body) : String(body.error ?? '');
  res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
  return true;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
