import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appendEvents, buildEvent, queryEvents, type AuditRecord } from '../../../src/audit/index.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { createToken, type CreateTokenRequest, type IssuedToken, type TokenAdminContext } from '../../../src/tokens/index.ts';
import { headerValues } from '../../../demo/airflow-standin/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { startStack, type StackOptions, type TestStack } from '../gateway/harness.ts';

/** The service accounts and limits the token tests share (prod = Airflow 2 stand-in, dev = Airflow 3 under /dev). */
export const TOKENS_SECTION = {
  max_ttl: '2h',
  rate_limit: { per_second: 1000, burst: 1000 },
  service_accounts: {
    'etl-ci': { role: 'User', description: 'ETL CI pipeline', envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger'] },
    reporting: { role: 'Viewer', actions: ['read'] },
  },
};

export async function tokenStack(opts: StackOptions & { readonly tokens?: Record<string, unknown> } = {}): Promise<TestStack> {
  return startStack({
    ...opts,
    config: (cfg) => {
      cfg.tokens = opts.tokens ?? TOKENS_SECTION;
      opts.config?.(cfg);
    },
  });
}

/** The gateway's own store (the SQLite file next to the config), opened by the test like `airlock tokens` does. */
export async function openAdmin(stack: TestStack): Promise<{ store: Store; ctx(now?: number): TokenAdminContext; issue(req: CreateTokenRequest): Promise<IssuedToken>; close(): Promise<void> }> {
  const config = await loadConfig(stack.configPath);
  const store = await openStore(config.store);
  const ctx = (now = Date.now()): TokenAdminContext => ({ store, config, by: 'cli:test', now, audit: async (e) => void (await appendEvents(store, [buildEvent(e, now)])) });
  return { store, ctx, issue: (req) => createToken(ctx(), req), close: () => store.close() };
}

/** Signs a person in through the gateway once, so the gateway knows them (their users row: groups as of this login). */
export async function signIn(stack: TestStack, username: string): Promise<string> {
  const r = await loginThroughGateway(stack.gatewayUrl, username, `${username}-demo`);
  await r.response.arrayBuffer();
  return r.cookieHeader;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, any> | undefined;
}

export async function call(stack: TestStack, path: string, opts: { token?: string; method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.gatewayUrl}${path}`, { method: opts.method ?? 'GET', headers, redirect: 'manual', ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await res.text();
  let json: Record<string, any> | undefined;
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A machine answer: JSON, no redirect, no cookie from the gateway; the code when it is a refusal. */
export function assertMachineAnswer(r: CallResult, status: number, code?: string): Record<string, any> {
  assert.equal(r.status, status, r.text.slice(0, 500));
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, r.text.slice(0, 200));
  assert.equal(r.headers.get('location'), null, 'no redirect');
  assert.deepEqual(r.headers.getSetCookie(), [], 'no cookie');
  assert.ok(r.json, 'a JSON body');
  if (code !== undefined) assert.equal(r.json.error, code, r.text);
  return r.json;
}

/** The claims of the last X-Airlock-Assertion the stand-in received. */
export function lastAssertionClaims(received: readonly { headers: string[] }[]): Record<string, any> {
  const last = received.at(-1);
  assert.ok(last, 'the upstream received a request');
  const [jwt] = headerValues(last.headers, 'x-airlock-assertion');
  assert.ok(jwt, 'an assertion was forwarded');
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;
}

/** The audit events of one request (after the gateway flushed its batch). */
export async function auditOf(store: Store, requestId: string): Promise<AuditRecord[]> {
  for (let i = 0; i < 50; i++) {
    const rows = await queryEvents(store, { requestId });
    if (rows.length > 0) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

export const sqlitePath = (stack: TestStack) => join(stack.dir, 'airlock.db');
