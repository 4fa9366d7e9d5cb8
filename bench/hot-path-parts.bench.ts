/**
 * Per-call cost of the parts of Airlock's request path that issue #15 section 2 trimmed, against another checkout.
 *   node --import tsx bench/hot-path-parts.bench.ts --baseline DIR [--ms 400] [--rounds 5]
 * DIR is a checkout of the commit to compare with (e.g. `git worktree add /tmp/base HEAD~1`; node_modules linked).
 * Each part runs the same inputs through this checkout's code and DIR's, alternating, for --rounds rounds of
 * --ms each; the table gives the median ns per call. In-process and single-threaded: unlike the gateway bench it
 * hardly depends on what else the machine is doing, so changes of ~1 µs per request show.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { baseline: { type: 'string' }, ms: { type: 'string', default: '400' }, rounds: { type: 'string', default: '5' } } });
if (!values.baseline) throw new TypeError('--baseline DIR is required (a checkout to compare with)');
const here = resolve(new URL('..', import.meta.url).pathname);
const there = resolve(values.baseline);
const ms = Number(values.ms);
const rounds = Number(values.rounds);

type Part = { name: string; make: (root: string) => Promise<() => unknown> };

const mod = (root: string, path: string) => import(pathToFileURL(`${root}/${path}`).href);

/** nginx asking /.airlock/authz for a client: a trusted peer with X-Forwarded-For/-Proto (the forward-auth path). */
function forwardedRequest(): unknown {
  const socket = { remoteAddress: '127.0.0.1', encrypted: false };
  const rawHeaders = ['Host', 'airflow.example.com', 'X-Original-URI', '/api/v1/dags', 'X-Forwarded-For', '198.51.100.7', 'X-Forwarded-Proto', 'https', 'Cookie', 'airlock=abc', 'User-Agent', 'curl/8'];
  return { socket, rawHeaders, headers: {} };
}

const parts: Part[] = [
  {
    name: 'clientAddress(), trusted proxy with X-Forwarded-*',
    make: async (root) => {
      const { clientAddress, compileTrustedProxies } = await mod(root, 'src/proxy/index.ts');
      const t = compileTrustedProxies(['127.0.0.1']);
      const req = forwardedRequest();
      return () => clientAddress(t, req);
    },
  },
  {
    name: 'isApiRequest(), browser page view',
    make: async (root) => {
      const { isApiRequest } = await mod(root, 'src/proxy/index.ts');
      const headers = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8' };
      return () => isApiRequest('GET', '/home', headers);
    },
  },
  {
    name: 'decide(), allow of a DAG read',
    make: async (root) => {
      const { compilePolicy, classify, canonicalizeTarget, decide } = await mod(root, 'src/policy/index.ts');
      const { makeConfig } = await mod(root, 'test/unit/policy/helpers.ts');
      const policy = compilePolicy(makeConfig());
      const c = classify(policy, 2, canonicalizeTarget('GET', '/api/v1/dags/etl/dagRuns'));
      const subject = Object.freeze({ kind: 'person', sub: 's', username: 'ada', groups: Object.freeze(['data-eng']), roles: Object.freeze(['User']), mfa: { method: 'none' } });
      const ctx = { now: Date.now(), dagMetadata: undefined };
      return () => decide(policy, subject, 'prod', c, ctx);
    },
  },
];

/** The session lookup a request makes: the old path awaited SessionManager.get(); the new one probes getCached(). */
async function sessionLookup(root: string, sync: boolean): Promise<() => unknown> {
  const { SessionManager, localBus } = await mod(root, 'src/session/index.ts');
  const { openStore } = await mod(root, 'src/store/index.ts');
  const store = await openStore({ kind: 'sqlite', path: ':memory:', pool: 1 });
  let clock = 1_700_000_000_000;
  const cfg = Object.freeze({ idle_timeout: 1_800_000, absolute_timeout: 28_800_000, cache_ttl: 30_000 });
  const m = new SessionManager({ store, config: () => cfg, bus: localBus(), now: () => clock });
  const identity = { kind: 'person', sub: 's', username: 'ada', email: 'ada@example.com', name: undefined, groups: ['data-eng', 'oncall'], roles: ['User'], mfa: { method: 'idp', at: clock } };
  const { id } = await m.create(identity, {});
  // 2,000 requests a second on one session: the clock moves 0.5 ms per call (no store write within the minute)
  let n = 0;
  const tick = () => {
    if (++n % 1000 === 0) clock = 1_700_000_000_000; // stay inside the touch interval
    else clock += 0.5;
  };
  if (sync) return () => (tick(), m.getCached(id));
  return async () => (tick(), await m.get(id));
}

async function time(fn: () => unknown, budgetMs: number): Promise<number> {
  const isAsync = fn() instanceof Promise;
  let calls = 0;
  const start = performance.now();
  const end = start + budgetMs;
  while (performance.now() < end) {
    if (isAsync) for (let i = 0; i < 200; i++) await fn();
    else for (let i = 0; i < 1000; i++) fn();
    calls += isAsync ? 200 : 1000;
  }
  return ((performance.now() - start) * 1e6) / calls;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[] = [];
const all: Array<{ name: string; base: () => Promise<() => unknown>; cur: () => Promise<() => unknown> }> = [
  ...parts.map((p) => ({ name: p.name, base: () => p.make(there), cur: () => p.make(here) })),
  { name: 'session lookup of a cached session (await get() -> getCached())', base: () => sessionLookup(there, false), cur: () => sessionLookup(here, true) },
];
for (const p of all) {
  const [b, c] = [await p.base(), await p.cur()];
  await time(b, 200);
  await time(c, 200);
  const bs: number[] = [];
  const cs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    bs.push(await time(b, ms));
    cs.push(await time(c, ms));
  }
  const [mb, mc] = [median(bs), median(cs)];
  rows.push(`| ${p.name} | ${mb.toFixed(0)} | ${mc.toFixed(0)} | ${(mc / mb).toFixed(2)}x |`);
}
console.log(`Hot-path parts, ns per call (median of ${rounds} rounds of ${ms} ms), baseline ${there}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| part | baseline ns | this checkout ns | ratio |\n|---|---:|---:|---:|');
console.log(rows.join('\n'));
