import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack, type StackOptions, type TestStack } from '../gateway/harness.ts';

/** The SCIM bearer token of the test gateways (from a file, as a deployment would). */
export const SCIM_TOKEN = 'scim-test-token-0123456789abcdefghijklmnopqrstuv';
export const SCIM_BASE = '/.airlock/scim/v2';
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The test stack with `scim:` configured (token from ./scim-token), plus any other config changes. */
export function scimStack(opts: StackOptions & { readonly scim?: Record<string, unknown> } = {}): Promise<TestStack> {
  return startStack({
    ...opts,
    prepare: async (parts) => {
      await writeFile(join(parts.dir, 'scim-token'), `${SCIM_TOKEN}\n`);
      await opts.prepare?.(parts);
    },
    config: (cfg) => {
      cfg.scim = { token: '${file:./scim-token}', ...(opts.scim ?? {}) };
      opts.config?.(cfg);
    },
  });
}

export interface ScimAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: any;
}

/** One SCIM call as an IdP's provisioning client makes it (bearer token, application/scim+json). */
export async function scim(stack: TestStack | string, method: string, path: string, body?: unknown, opts: { token?: string | null; headers?: Record<string, string>; raw?: string } = {}): Promise<ScimAnswer> {
  const base = typeof stack === 'string' ? stack : stack.gatewayUrl;
  const token = opts.token === undefined ? SCIM_TOKEN : opts.token;
  const headers: Record<string, string> = { accept: 'application/scim+json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(opts.headers ?? {}) };
  const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/scim+json; charset=utf-8';
  const res = await fetch(`${base}${SCIM_BASE}${path}`, { method, headers, redirect: 'manual', ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** A SCIM success: the status and (with a body) application/scim+json. */
export function ok(r: ScimAnswer, status: number): any {
  assert.equal(r.status, status, r.text.slice(0, 600));
  if (r.text !== '') assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  return r.body;
}

/** A SCIM error (RFC 7644 3.12): the status, the Error schema, status as a string, the scimType, the Airlock code header. */
export function scimError(r: ScimAnswer, status: number, code: string, scimType?: string): any {
  assert.equal(r.status, status, r.text.slice(0, 600));
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(r.body?.schemas, [ERROR], r.text);
  assert.equal(r.body.status, String(status));
  assert.equal(r.headers.get('x-airlock-error'), code);
  if (scimType === undefined) assert.equal(r.body.scimType, undefined);
  else assert.equal(r.body.scimType, scimType, r.text);
  assert.equal(typeof r.body.detail, 'string');
  assert.doesNotMatch(r.text, /\n\s+at |node_modules|\.ts:\d+/, 'no stack trace');
  assert.ok(!r.text.includes(SCIM_TOKEN), 'no token');
  return r.body;
}

export const patchOp = (...ops: unknown[]) => ({ schemas: [PATCH], Operations: ops });
export const q = (s: string) => encodeURIComponent(s);
