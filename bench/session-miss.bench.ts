/**
 * What a session outside the per-worker memory cache (`session.cache_entries`) costs on its next request.
 *   node --import tsx bench/session-miss.bench.ts [--sessions 100000] [--calls 20000] [--rounds 5] [--postgres]
 * A SQLite file store (and with --postgres the PostgreSQL at $AIRLOCK_TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/test, in a scratch schema) holds N sessions shaped like a real login's row
 * (5 groups, an ID token of ~900 characters, a sealed refresh token). Timed, in turns, for --rounds rounds:
 * - hit: `getCached()` of a session in the memory cache (the hot path's synchronous probe);
 * - miss: `getCached()` says 'miss', then `await get()` reads the row by its primary key (`id_hash`) and caches it;
 *   a cache of 1 entry, sessions taken in a random order, so every call is a miss.
 * The managers' clock stands still, so no entry goes stale and no last_seen_at write is due: a miss here is the
 * read alone (a session idle for a minute or more also pays one UPDATE of last_seen_at, as a cached one would).
 * Per call: median wall µs and the process's CPU µs (all threads: process.cpuUsage) over the rounds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { Secret } from '../src/config/index.ts';
import type { Identity } from '../src/identity/index.ts';
import { SessionManager, localBus, tokenSealer } from '../src/session/index.ts';
import { openStore, type Store } from '../src/store/index.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '100000' }, calls: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' }, postgres: { type: 'boolean', default: false } } });
const N = Number(values.sessions);
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const PG_URL = process.env.AIRLOCK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const cfg = Object.freeze({ idle_timeout: 8 * 3_600_000, absolute_timeout: 24 * 3_600_000, cache_ttl: 30_000 });
const GROUPS = ['analysts', 'data-eng', 'all-staff', 'vpn-users', 'team-finance'];
const sealer = tokenSealer('bench-secret-0123456789', 'airlock:bench');

function identityOf(i: number): Identity {
  const username = `user${String(i).padStart(6, '0')}`;
  return { kind: 'person', sub: `sub-${username}`, username, email: `${username}@example.com`, name: `Person ${i}`, groups: GROUPS, roles: ['User', 'Viewer'], mfa: { method: 'none' } };
}

/** Every manager runs on this clock: no session expires, goes stale (cache_ttl) or has a last_seen_at write due. */
const T0 = Date.now();
const now = () => T0;

async function fill(store: Store): Promise<string[]> {
  const m = new SessionManager({ store, bus: localBus(), config: () => cfg, sealer: () => sealer, maxCacheEntries: 1, now });
  const ids: string[] = [];
  const idToken = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(600).toString('base64url')}.${randomBytes(256).toString('base64url')}`;
  for (let i = 0; i < N; i++) ids.push((await m.create(identityOf(i), { idToken, refreshToken: randomBytes(32).toString('base64url') })).id);
  m.close();
  return ids;
}

async function timed(calls: number, fn: (i: number) => unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const r = fn(i);
    if (r instanceof Promise) await r;
  }
  const wall = ((performance.now() - t0) * 1000) / calls;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / calls };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function run(name: string, store: Store): Promise<string[]> {
  const t0 = performance.now();
  const ids = await fill(store);
  console.log(`${name}: ${N} sessions written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const hot = new SessionManager({ store, bus: localBus(), config: () => cfg, maxCacheEntries: 10_000, now });
  const cold = new SessionManager({ store, bus: localBus(), config: () => cfg, maxCacheEntries: 1, now });
  const some = ids.slice(0, 10_000);
  for (const id of some) await hot.get(id); // cached
  const order = Array.from({ length: CALLS }, () => ids[Math.floor(Math.random() * ids.length)]!);
  const hit = { wall: [] as number[], cpu: [] as number[] };
  const miss = { wall: [] as number[], cpu: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    const h = await timed(CALLS, (i) => {
      const s = hot.getCached(some[i % some.length]!);
      if (s === 'miss' || s === undefined) throw new Error('expected a cached session');
    });
    const m = await timed(CALLS, async (i) => {
      const id = order[i]!;
      if (cold.getCached(id) !== 'miss') throw new Error('expected a miss');
      if ((await cold.get(id)) === undefined) throw new Error('session not found');
    });
    hit.wall.push(h.wall), hit.cpu.push(h.cpu), miss.wall.push(m.wall), miss.cpu.push(m.cpu);
  }
  hot.close();
  cold.close();
  return [
    `| ${name} | hit: getCached() | ${median(hit.wall).toFixed(2)} | ${median(hit.cpu).toFixed(2)} |`,
    `| ${name} | miss: getCached() + await get() (one read by id_hash) | ${median(miss.wall).toFixed(1)} | ${median(miss.cpu).toFixed(1)} |`,
  ];
}

const rows: string[] = [];
const dir = await mkdtemp(join(tmpdir(), 'airlock-session-miss-'));
try {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'sessions.db'), pool: 1 });
  try {
    rows.push(...(await run('SQLite (file, WAL)', store)));
  } finally {
    await store.close();
  }
  if (values.postgres) {
    const schema = `bench_miss_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const url = new URL(PG_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const pgStore = await openStore({ kind: 'postgres', url: new Secret(url.href, 'bench'), pool: 4 });
      try {
        await sql`select 1`.execute(pgStore.db);
        rows.push(...(await run('PostgreSQL (local)', pgStore)));
      } finally {
        await pgStore.close();
      }
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(`\n${N} sessions in the store, ${CALLS} calls x ${ROUNDS} rounds, medians:\n`);
console.log(`| store | lookup | wall µs per call | CPU µs per call |\n|---|---|---:|---:|\n${rows.join('\n')}`);
