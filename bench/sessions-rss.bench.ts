/**
 * Memory with N live sessions (issue #15 keeps "RSS <= 200 MB per worker with 100k live sessions").
 *   node --import tsx bench/sessions-rss.bench.ts [--sessions 100000] [--workers 1,2] [--settle 5] [--concurrency 4] [--src]
 *     [--audit-writer thread|inline] [--cache-entries N] [--node-flag FLAG ...] [--inspect] [--heap-snapshot DIR]
 *
 * 1. One real sign-in through `airlock serve` and the dev IdP (a person in 5 groups) gives the template: the session
 *    row a real login stores (identity, groups, roles, MFA state, IdP sid/sub, ID token, sealed refresh token).
 * 2. N sessions shaped like it are created in a fresh SQLite store through the product's SessionManager (and the
 *    users row a login writes): each its own person (username, email, name, sub, 5 of 12 groups, roles from the
 *    same `roles:` mapping), its own IdP sid when the template has one (the dev IdP's ID token has no sid), an ID
 *    token with the template's claim set re-encoded for that person (same header, about the same size; the
 *    signature bytes are random: nothing verifies a stored ID token), and a refresh token of the real one's length
 *    sealed as the gateway seals it.
 * 3. `airlock serve` (dist/ after `npm run build`; --src: the sources through tsx) with 1 worker, then `workers: 2`,
 *    on that store, upstream a tiny Node server answering 200. Warm-up on one session, a few seconds idle, RSS of
 *    each process ("before"); then one authenticated GET per session on every worker (keep-alive connections pinned
 *    to a worker: the worker of a connection is read from the access log line of its probe's X-Request-Id), checked
 *    in the access log (every worker served every session with 200: the last `session.cache_entries` of them, 10 000
 *    by default or --cache-entries, are in its session cache and its assertion cache); idle again until RSS is
 *    stable ("after").
 * RSS is VmRSS from /proc/<pid>/status (a worker's includes its audit writer thread); peak is VmHWM.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, WebSocket, type MessageEvent } from 'undici';
import { stringify } from 'yaml';
import { createDevIdp, subjectOf } from '../demo/idp/index.ts';
import type { Identity } from '../src/identity/index.ts';
import { SessionManager, hashSessionId, localBus, tokenSealer } from '../src/session/index.ts';
import { openStore, type SessionRow } from '../src/store/index.ts';
import { loginThroughGateway } from '../test/support/login.ts';
import { freePort } from '../test/integration/gateway/harness.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '100000' },
    /** Seconds idle before each RSS reading (then polled until stable). */
    settle: { type: 'string', default: '5' },
    /** Requests in flight per worker (one keep-alive connection each). */
    concurrency: { type: 'string', default: '4' },
    /** Run the sources through tsx instead of dist/. */
    src: { type: 'boolean', default: false },
    /** Airlock's audit.writer: thread (the default: read events written by a worker thread) or inline. */
    'audit-writer': { type: 'string' },
    /** session.cache_entries (absent: Airlock's default). */
    'cache-entries': { type: 'string' },
    /** A V8/Node flag for `airlock serve` (e.g. --node-flag=--heap-growing-percent=50); cluster workers inherit it. */
    'node-flag': { type: 'string', multiple: true, default: [] },
    /** Which worker counts to run (comma-separated). */
    workers: { type: 'string', default: '1,2' },
    /**
     * Also open each process's inspector (--inspect=127.0.0.1:0) and print its process.memoryUsage() and V8 heap
     * spaces before and after, then again after a full GC forced through the inspector (the RSS table is read first).
     */
    inspect: { type: 'boolean', default: false },
    /** Also write a V8 heap snapshot of the 1-worker process (after the "after" reading) into this folder. */
    'heap-snapshot': { type: 'string' },
  },
});
const N = Number(values.sessions);
const settleMs = Number(values.settle) * 1000;
const concurrency = Number(values.concurrency);
if (!values.workers.split(',').every((w) => /^[1-9]\d*$/.test(w)) || !Number.isSafeInteger(N) || N < 1 || !Number.isSafeInteger(concurrency) || concurrency < 1 || !(settleMs >= 0)) throw new TypeError('bad --sessions, --concurrency or --settle');
const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin', 'airlock.js');
const runDist = !values.src;

const SECRET = 'bench-secret-0123456789';
const CLIENT_ID = 'bench';
const ROLES: Record<string, string> = { 'airflow-admins': 'Admin', 'data-platform-ops': 'Op', 'data-eng': 'User', analysts: 'Viewer' };
/** Everyone is in `analysts` (Viewer: may GET /api/v1/dags) and in 4 of these. */
const OTHER_GROUPS = ['data-eng', 'data-platform-ops', 'airflow-admins', 'all-staff', 'vpn-users', 'team-finance', 'team-marketing', 'team-growth', 'oncall-prod', 'oncall-dev', 'contractors'];
const TEMPLATE_USER = { username: 'pat', password: 'pat-bench', email: 'pat.example@example.com', name: 'Pat Example', groups: ['analysts', 'data-eng', 'all-staff', 'vpn-users', 'team-finance'] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kb: number) => (kb / 1024).toFixed(0);

async function waitHealthy(url: string, gw: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (gw.exitCode !== null) throw new Error(`airlock serve exited with ${gw.exitCode}`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  throw new Error(`${url} did not answer 200 in time`);
}

interface Mem {
  /** VmRSS, kB. */
  rss: number;
  /** VmHWM (peak RSS), kB. */
  hwm: number;
  /** RssAnon: the process's own memory (RssFile, the mapped node binary and libraries, is shared between workers). */
  anon: number;
  threads: number;
}

async function memKb(pid: number): Promise<Mem> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(s)?.[1]);
  return { rss: field('VmRSS'), hwm: field('VmHWM'), anon: field('RssAnon'), threads: field('Threads') };
}

async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Idle for settleMs, then until no process's RSS moved by more than 1 MB in a second (at most 30 s more). */
async function settledRss(pids: number[]): Promise<Map<number, Mem>> {
  await sleep(settleMs);
  let last = new Map(await Promise.all(pids.map(async (p) => [p, await memKb(p)] as const)));
  for (let i = 0; i < 30; i++) {
    await sleep(1000);
    const now = new Map(await Promise.all(pids.map(async (p) => [p, await memKb(p)] as const)));
    const moved = pids.some((p) => Math.abs(now.get(p)!.rss - last.get(p)!.rss) > 1024);
    last = now;
    if (!moved) break;
  }
  return last;
}

function startGateway(configPath: string, cwd: string, logPath: string): ChildProcess {
  const out = openSync(logPath, 'a'); // O_APPEND: the workers' chunks of whole lines do not interleave
  const extra = [...(values['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2'] : []), ...(values.inspect ? ['--inspect=127.0.0.1:0'] : [])];
  const nodeOptions = [process.env.NODE_OPTIONS ?? '', ...extra].join(' ').trim();
  const env = { ...process.env, AIRLOCK_RUN_DIST: runDist ? '1' : '', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
  const gw = spawn(process.execPath, [...values['node-flag'], bin, 'serve', '--config', configPath], { cwd, env, stdio: ['ignore', out, values.inspect ? 'pipe' : 'inherit'] });
  closeSync(out);
  if (values.inspect) {
    // every process (primary and cluster workers share stderr) says where its inspector listens
    const urls: string[] = [];
    inspectorUrls.set(gw, urls);
    let buf = '';
    gw.stderr!.on('data', (d: Buffer) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        const m = /^Debugger listening on (ws:\/\/\S+)/.exec(line);
        if (m) urls.push(m[1]!);
        else if (!/^(Debugger |For help, see)/.test(line)) process.stderr.write(`${line}\n`);
      }
    });
  }
  return gw;
}

const inspectorUrls = new WeakMap<ChildProcess, string[]>();

/** Evaluates `expression` (with the inspector's command-line API: require) in the process behind `url`. */
async function inspectorCall(url: string, calls: Array<{ method: string; params?: Record<string, unknown> }>): Promise<unknown[]> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', reject, { once: true });
  });
  try {
    const out: unknown[] = [];
    for (const [id, call] of calls.entries()) {
      const answer = new Promise<unknown>((resolve, reject) => {
        const on = (ev: MessageEvent) => {
          const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: unknown };
          if (msg.id !== id) return;
          ws.removeEventListener('message', on);
          if (msg.error !== undefined) reject(new Error(JSON.stringify(msg.error)));
          else resolve(msg.result);
        };
        ws.addEventListener('message', on);
      });
      ws.send(JSON.stringify({ id, ...call }));
      out.push(await answer);
    }
    return out;
  } finally {
    ws.close();
  }
}

const MEMORY_EXPRESSION = `JSON.stringify({ pid: process.pid, mem: process.memoryUsage(), spaces: require('v8').getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size, s.space_size]) })`;

interface V8Memory { pid: number; mem: NodeJS.MemoryUsage; spaces: Array<[string, number, number]> }

/** process.memoryUsage() and the V8 heap spaces of every process of `gw` (optionally after a forced full GC). */
async function v8Memory(gw: ChildProcess, gc: boolean): Promise<Map<number, V8Memory>> {
  const out = new Map<number, V8Memory>();
  for (const url of inspectorUrls.get(gw) ?? []) {
    const calls = [...(gc ? [{ method: 'HeapProfiler.collectGarbage' }] : []), { method: 'Runtime.evaluate', params: { expression: MEMORY_EXPRESSION, includeCommandLineAPI: true, returnByValue: true } }];
    const results = await inspectorCall(url, calls);
    const v = JSON.parse((results.at(-1) as { result: { value: string } }).result.value) as V8Memory;
    out.set(v.pid, v);
  }
  return out;
}

function printV8(label: string, m: Map<number, V8Memory>): void {
  for (const [pid, v] of m) {
    const spaces = v.spaces.filter(([, used, size]) => size > 1 << 20).map(([name, used, size]) => `${name.replace(/_space$/, '')} ${mb(used / 1024)}/${mb(size / 1024)}`).join(', ');
    console.log(`  ${label} pid ${pid}: rss ${mb(v.mem.rss / 1024)} MB, V8 heap used ${mb(v.mem.heapUsed / 1024)} of ${mb(v.mem.heapTotal / 1024)} MB, external ${mb(v.mem.external / 1024)} MB (array buffers ${mb(v.mem.arrayBuffers / 1024)}); spaces used/size MB: ${spaces}`);
  }
}

async function stopGateway(gw: ChildProcess): Promise<void> {
  if (gw.exitCode !== null) return;
  const exited = new Promise((r) => gw.once('exit', r));
  gw.kill('SIGTERM');
  await exited;
}

interface AccessLine { pid: number; reqId: string; user?: string; status: number; msg: string }

async function accessLines(logPath: string): Promise<AccessLine[]> {
  const out: AccessLine[] = [];
  for (const line of (await readFile(logPath, 'utf8')).split('\n')) {
    if (!line.includes('"msg":"request"')) continue;
    try {
      out.push(JSON.parse(line) as AccessLine);
    } catch { /* a line cut by a concurrent write would show up as a missing session below */ }
  }
  return out;
}

/** The sessions (by username) each worker pid has served with 200. */
async function servedByPid(logPath: string): Promise<Map<number, Set<string>>> {
  const m = new Map<number, Set<string>>();
  for (const l of await accessLines(logPath)) {
    if (l.status !== 200 || l.user === undefined) continue;
    let s = m.get(l.pid);
    if (!s) m.set(l.pid, (s = new Set()));
    s.add(l.user);
  }
  return m;
}

async function get(client: Client, host: string, cookie: string): Promise<{ status: number; reqId: string }> {
  const res = await client.request({ path: '/api/v1/dags', method: 'GET', headers: { host, cookie } });
  await res.body.dump();
  return { status: res.statusCode, reqId: String(res.headers['x-request-id'] ?? '') };
}

/** Keep-alive connections (one undici Client each) grouped by the worker pid that serves them, `per` per worker. */
async function pinnedConnections(origin: string, host: string, cookie: string, workerPids: number[], logPath: string, per: number): Promise<Map<number, Client[]>> {
  const byPid = new Map<number, Client[]>(workerPids.map((p) => [p, []]));
  const spare: Client[] = [];
  for (let round = 0; round < 20 && [...byPid.values()].some((cs) => cs.length < per); round++) {
    const fresh = Array.from({ length: per * workerPids.length }, () => new Client(origin, { pipelining: 1, keepAliveTimeout: 600_000 }));
    const probes = await Promise.all(fresh.map(async (c) => ({ c, ...(await get(c, host, cookie)) })));
    await sleep(600); // access lines reach the log within 250 ms
    const pidOf = new Map((await accessLines(logPath)).map((l) => [l.reqId, l.pid]));
    for (const p of probes) {
      const pid = pidOf.get(p.reqId);
      const list = pid === undefined ? undefined : byPid.get(pid);
      if (p.status === 200 && list && list.length < per) list.push(p.c);
      else spare.push(p.c);
    }
  }
  await Promise.all(spare.map((c) => c.close()));
  for (const [pid, cs] of byPid) if (cs.length === 0) throw new Error(`no connection reached worker ${pid}`);
  return byPid;
}

/** Sends one GET per session (indexes `todo`) over the connections, `concurrency` in flight (one per connection). */
async function sendAll(clients: Client[], host: string, cookies: string[], todo: number[]): Promise<number> {
  let next = 0;
  let failed = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (next < todo.length) {
        const i = todo[next++]!;
        const r = await get(c, host, cookies[i]!);
        if (r.status !== 200) failed++;
      }
    }),
  );
  return failed;
}

/** A person's session, shaped like the template login's row. */
function personFor(i: number, template: SessionRow, now: number): { identity: Identity; idpSid: string | undefined; idToken: string; username: string } {
  const username = `user${String(i).padStart(6, '0')}`;
  const sub = subjectOf(username);
  // analysts and 4 distinct others (steps of 3 modulo 11 do not repeat)
  const groups = ['analysts', ...[0, 1, 2, 3].map((k) => OTHER_GROUPS[(i * 7 + k * 3) % OTHER_GROUPS.length]!)];
  const roles = [...new Set(groups.map((g) => ROLES[g]).filter((r): r is string => r !== undefined))];
  const name = `Person ${i} Example`;
  const email = `${username}@example.com`;
  const t = template.identity;
  const identity: Identity = {
    kind: t.kind,
    sub,
    username,
    email,
    name,
    groups,
    roles,
    mfa: { ...t.mfa },
    ...(t.authTime === undefined ? {} : { authTime: now }),
  };
  // the IdP's session id, when the template login had one: a random id of its length
  const idpSid = template.idpSid === null ? undefined : randomBytes(template.idpSid.length).toString('base64url').slice(0, template.idpSid.length);
  const [header, payload, signature] = template.idToken!.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const iat = Math.floor(now / 1000);
  const own: Record<string, unknown> = { ...claims, sub, iat, exp: iat + ((claims.exp as number) - (claims.iat as number)) };
  for (const [k, v] of Object.entries({ email, name, preferred_username: username, groups, auth_time: iat, sid: idpSid })) if (k in claims) own[k] = v;
  for (const k of ['nonce', 'at_hash', 'c_hash', 'jti']) {
    if (typeof claims[k] === 'string') own[k] = randomBytes(Math.ceil(((claims[k] as string).length * 3) / 4)).toString('base64url').slice(0, (claims[k] as string).length);
  }
  const sig = randomBytes(Buffer.from(signature, 'base64url').length).toString('base64url');
  const idToken = `${header}.${Buffer.from(JSON.stringify(own)).toString('base64url')}.${sig}`;
  return { identity, idpSid, idToken, username };
}

/**
 * SIGUSR2 (--heapsnapshot-signal): the process writes Heap.*.<pid>.*.heapsnapshot in `cwd` on its main thread, so
 * once its healthz answers again the file is complete.
 */
async function heapSnapshot(pid: number, cwd: string, healthz: string, into: string): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await sleep(1000);
    const name = (await readdir(cwd)).find((n) => n.endsWith('.heapsnapshot') && n.includes(`.${pid}.`));
    if (name === undefined) continue;
    const answered = await fetch(healthz).then(
      async (res) => (await res.body?.cancel(), res.status === 200),
      () => false, // a pooled connection the server closed meanwhile: ask again
    );
    if (!answered || (await stat(join(cwd, name))).size === 0) continue;
    await mkdir(into, { recursive: true });
    await copyFile(join(cwd, name), join(into, name));
    console.log(`heap snapshot: ${join(into, name)}`);
    return;
  }
  throw new Error('no heap snapshot written');
}

const dir = await mkdtemp(join(tmpdir(), 'airlock-sessions-rss-'));
const upstream = createServer((req, res) => {
  req.resume();
  const body = '{"dags":[],"total_entries":0}';
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
let idp: Awaited<ReturnType<typeof createDevIdp>> | undefined;
const running: ChildProcess[] = [];
try {
  if (runDist) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const host = `localhost:${port}`;
  const origin = `http://127.0.0.1:${port}`;
  idp = await createDevIdp({ users: [TEMPLATE_USER], clients: [{ client_id: CLIENT_ID, client_secret: SECRET, redirect_uris: [`${publicUrl}/.airlock/callback`] }] });
  await writeFile(join(dir, 'secret'), SECRET);
  const writeConfig = async (name: string, workers: number, store: string) => {
    const path = join(dir, name);
    await writeFile(path, stringify({
      listen: `127.0.0.1:${port}`, public_url: publicUrl, workers, log: { level: 'info' },
      idp: { issuer: idp!.issuer, client_id: CLIENT_ID, client_secret: '${file:./secret}', allow_insecure_http: true },
      roles: ROLES, environments: { prod: { host: 'localhost', upstream: upstreamUrl, airflow: 2 } },
      store: `sqlite:./${store}`,
      ...(values['audit-writer'] ? { audit: { writer: values['audit-writer'] } } : {}),
      ...(values['cache-entries'] ? { session: { cache_entries: Number(values['cache-entries']) } } : {}),
    }));
    return path;
  };
  const sealer = tokenSealer(SECRET, `airlock:${idp.issuer}:${CLIENT_ID}`); // what the gateway seals with (session-freshness.ts)

  // 1. the template: one real sign-in, in its own store
  let template: SessionRow;
  {
    const log = join(dir, 'template.log');
    const gw = startGateway(await writeConfig('template.yaml', 1, 'template.db'), dir, log);
    running.push(gw);
    try {
      await waitHealthy(`${origin}/.airlock/healthz`, gw);
      const { cookieHeader } = await loginThroughGateway(publicUrl, TEMPLATE_USER.username, TEMPLATE_USER.password);
      const id = /(?:^|;\s*)airlock=([^;]+)/.exec(cookieHeader)?.[1];
      if (!id) throw new Error(`no session cookie after the template login: ${cookieHeader}`);
      const probe = await fetch(`${publicUrl}/api/v1/dags`, { headers: { cookie: cookieHeader } });
      if (probe.status !== 200) throw new Error(`template probe got ${probe.status}`);
      await probe.arrayBuffer();
      await stopGateway(gw);
      const store = await openStore({ kind: 'sqlite', path: join(dir, 'template.db'), pool: 1 });
      try {
        const row = await store.sessions.findByHash(hashSessionId(id));
        if (!row?.idToken) throw new Error('the template session has no ID token');
        template = row;
      } finally {
        await store.close();
      }
    } finally {
      await stopGateway(gw);
    }
  }
  const refreshLength = template.refreshToken === null ? 0 : (sealer.open(template.idHash, template.refreshToken)?.length ?? 0);
  const sample = personFor(0, template, Date.now());
  console.log(`template login: ID token claims ${Object.keys(JSON.parse(Buffer.from(template.idToken!.split('.')[1]!, 'base64url').toString())).join(',')}; ${template.identity.groups.length} groups, roles ${template.identity.roles.join(',')}, mfa ${template.identity.mfa.method}, ID token ${template.idToken!.length} chars (synthetic: ${sample.idToken.length}), refresh token ${refreshLength} chars, idp sid ${template.idpSid?.length ?? 0} chars`);

  // 2. N sessions through the SessionManager (and the users row of each login)
  const cookies: string[] = new Array(N);
  {
    const t0 = performance.now();
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'sessions.db'), pool: 1 });
    const mgr = new SessionManager({
      store,
      bus: localBus(),
      config: () => ({ idle_timeout: 8 * 3_600_000, absolute_timeout: 24 * 3_600_000, cache_ttl: 30_000 }),
      sealer: () => sealer,
      maxCacheEntries: 1, // this process does not serve them
    });
    try {
      for (let i = 0; i < N; i++) {
        const now = Date.now();
        const p = personFor(i, template, now);
        const { id } = await mgr.create(p.identity, {
          ...(p.idpSid === undefined ? {} : { idpSid: p.idpSid }),
          idpSub: p.identity.sub,
          idToken: p.idToken,
          ...(refreshLength > 0 ? { refreshToken: randomBytes(Math.ceil((refreshLength * 3) / 4)).toString('base64url').slice(0, refreshLength) } : {}),
        });
        await store.users.upsertLogin({ sub: p.identity.sub, username: p.username, email: p.identity.email ?? null, name: p.identity.name ?? null, groups: [...p.identity.groups], at: now } as never);
        cookies[i] = `airlock=${id}`;
      }
    } finally {
      mgr.close();
      await store.close();
    }
    console.log(`${N} sessions created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const usernameOf = (i: number) => `user${String(i).padStart(6, '0')}`;
  const everyone = Array.from({ length: N }, (_, i) => i);

  // 3. serve them, 1 worker then workers: 2
  const rows: string[] = [];
  for (const workers of values.workers.split(',').map(Number)) {
    const log = join(dir, `serve-${workers}.log`);
    const gw = startGateway(await writeConfig(`serve-${workers}.yaml`, workers, 'sessions.db'), dir, log);
    running.push(gw);
    try {
      await waitHealthy(`${origin}/.airlock/healthz`, gw);
      const workerPids = workers === 1 ? [gw.pid!] : await childrenOf(gw.pid!);
      if (workerPids.length !== workers) throw new Error(`expected ${workers} worker processes, found ${workerPids.length}`);
      const pids = workers === 1 ? workerPids : [gw.pid!, ...workerPids];
      // warm-up: the request path's code is loaded and optimized on every worker before "before" (one session cached)
      const warm = await pinnedConnections(origin, host, cookies[0]!, workerPids, log, concurrency);
      for (const cs of warm.values()) await sendAll(cs, host, cookies, new Array(2000).fill(0));
      await Promise.all([...warm.values()].flat().map((c) => c.close()));
      const before = await settledRss(pids);
      const v8Before = values.inspect ? await v8Memory(gw, false) : undefined;

      // every session on every worker; connections are pinned afresh for each pass (an idle one may have been closed)
      const t0 = performance.now();
      let missing = new Map(workerPids.map((p) => [p, everyone]));
      for (let pass = 0; pass < 3 && [...missing.values()].some((m) => m.length > 0); pass++) {
        const pinned = await pinnedConnections(origin, host, cookies[0]!, workerPids, log, concurrency);
        const failed = await Promise.all([...missing].map(([pid, todo]) => sendAll(pinned.get(pid)!, host, cookies, todo)));
        await Promise.all([...pinned.values()].flat().map((c) => c.close()));
        if (failed.some((f) => f > 0)) throw new Error(`requests refused: ${failed.join(', ')} per worker`);
        await sleep(600);
        const served = await servedByPid(log);
        missing = new Map(workerPids.map((p) => [p, everyone.filter((i) => !served.get(p)?.has(usernameOf(i)))]));
      }
      const seconds = (performance.now() - t0) / 1000;
      for (const [pid, m] of missing) if (m.length > 0) throw new Error(`worker ${pid} did not serve ${m.length} of the ${N} sessions`);
      console.log(`${workers} worker(s): every worker served all ${N} sessions (${((N * workers) / seconds).toFixed(0)} req/s)`);
      const after = await settledRss(pids);
      if (v8Before) {
        console.log(`${workers} worker(s), main thread of each process (a worker's audit writer thread is not included):`);
        printV8('before', v8Before);
        printV8('after', await v8Memory(gw, false));
        printV8('after a forced full GC', await v8Memory(gw, true));
      }
      if (values['heap-snapshot'] && workers === 1) await heapSnapshot(gw.pid!, dir, `${origin}/.airlock/healthz`, values['heap-snapshot']);

      for (const pid of pids) {
        const role = workers === 1 ? '1 worker (serves in-process)' : pid === gw.pid ? `workers: ${workers}, primary` : `workers: ${workers}, worker ${workerPids.indexOf(pid) + 1}`;
        const b = before.get(pid)!;
        const a = after.get(pid)!;
        const perSession = pid === gw.pid && workers > 1 ? '-' : (((a.rss - b.rss) * 1024) / N).toFixed(0);
        rows.push(`| ${role} | ${N} | ${mb(b.rss)} | ${mb(a.rss)} | ${mb(a.anon)} | ${mb(a.hwm)} | ${perSession} |`);
        console.log(`${role} (pid ${pid}): before RSS ${mb(b.rss)} MB (anon ${mb(b.anon)}, file+shmem ${mb(b.rss - b.anon)}), ${b.threads} threads; after RSS ${mb(a.rss)} MB (anon ${mb(a.anon)})`);
      }
    } finally {
      await stopGateway(gw);
    }
  }
  console.log(`\n${new Date().toISOString().slice(0, 10)}, airlock serve from ${runDist ? 'dist/' : 'the sources (tsx)'}, SQLite store, ${N} live sessions:\n`);
  console.log(`| process | sessions | RSS MB idle before | RSS MB after | of which anon MB | peak MB (VmHWM) | bytes per session (RSS) |\n|---|---:|---:|---:|---:|---:|---:|\n${rows.join('\n')}`);
} finally {
  for (const p of running) await stopGateway(p).catch(() => undefined);
  await idp?.close();
  await new Promise((r) => upstream.close(r));
  await rm(dir, { recursive: true, force: true });
}
