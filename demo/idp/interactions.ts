import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type Provider from 'oidc-provider';
import { subjectOf } from './demo-users.ts';
import { escapeHtml, loginPage } from './pages.ts';
import type { DemoUser } from './types.ts';

const MAX_FORM_BYTES = 16 * 1024;

export interface InteractionDeps {
  provider(): Provider;
  users: readonly DemoUser[];
  amr: string[] | undefined;
  acr: string | undefined;
  /** auth_time is backdated by this much unless the sign-in was forced (prompt=login or max_age=0). */
  authTimeAgeSeconds: number;
}

/** Handles GET /interaction/<uid> (the login form) and POST /interaction/<uid>/login. Returns false for other paths. */
export async function handleInteraction(deps: InteractionDeps, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(path);
  if (!m) return false;
  const provider = deps.provider();
  const isSubmit = m[2] === '/login';
  if ((isSubmit && req.method !== 'POST') || (!isSubmit && req.method !== 'GET')) {
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    return true;
  }
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    send(res, 400, 'text/html; charset=utf-8', `<!doctype html><p>This sign-in attempt has expired or is unknown. Go back to the application and start again.</p>`);
    return true;
  }
  if (details.uid !== m[1]) {
    send(res, 400, 'text/html; charset=utf-8', `<!doctype html><p>This sign-in form does not belong to your current sign-in attempt.</p>`);
    return true;
  }
  const clientId = String(details.params.client_id ?? '');
  const action = `/interaction/${details.uid}/login`;

  if (details.prompt.name === 'consent') {
    // Consent is auto-granted (loadExistingGrant normally makes this prompt never appear).
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const g = grant ?? new provider.Grant({ clientId, accountId: String(details.session?.accountId) });
    g.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await g.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return true;
  }

  if (!isSubmit) {
    send(res, 200, 'text/html; charset=utf-8', loginPage({ action, clientId }));
    return true;
  }

  const form = await readForm(req);
  if (!form) {
    send(res, 413, 'text/html; charset=utf-8', `<!doctype html><p>${escapeHtml('The form was too large.')}</p>`);
    return true;
  }
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  const user = deps.users.find((u) => u.username === username);
  if (!user || !samePassword(user.password, password)) {
    send(res, 401, 'text/html; charset=utf-8', loginPage({ action, clientId, username, error: 'Unknown user or wrong password.' }));
    return true;
  }
  const prompts = String(details.params.prompt ?? '').split(' ');
  const forced = prompts.includes('login') || String(details.params.max_age) === '0';
  await provider.interactionFinished(req, res, {
    login: {
      accountId: subjectOf(user.username),
      ts: Math.floor(Date.now() / 1000) - (forced ? 0 : deps.authTimeAgeSeconds),
      ...(deps.amr ? { amr: [...deps.amr] } : {}),
      ...(deps.acr ? { acr: deps.acr } : {}),
    },
  }, { mergeWithLastSubmission: false });
  return true;
}

function samePassword(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
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

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
