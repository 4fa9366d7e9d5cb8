import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { exportLines, formatRecords, importLines, linkHash, queryEvents, verifyChain, writeCheckpoint, type VerifyReport } from '../../../src/audit/index.ts';
import { KeyRing } from '../../../src/keys/index.ts';
import type { Store } from '../../../src/store/index.ts';
import { auditLog, sampleEvents } from './fixtures.ts';

/** Opens a store on a database of its own (a fresh chain) each call; `reopen` opens another connection to it. */
export type FreshStore = () => Promise<{ store: Store; reopen(): Promise<Store> }>;

const T0 = 1_750_000_000_000;

function problemAt(r: VerifyReport, seq: number, kinds: string[]): void {
  assert.equal(r.ok, false, 'verify must fail');
  assert.ok(
    r.problems.some((p) => p.seq === seq && kinds.includes(p.kind)),
    `expected a ${kinds.join('/')} problem at seq ${seq}, got ${JSON.stringify(r.problems)}`,
  );
}

/** The audit cases of the shared store suite: run against SQLite and PostgreSQL. */
export function runAuditSuite(name: string, fresh: FreshStore): void {
  describe(`audit suite: ${name}`, () => {
    const opened: Store[] = [];
    let keys: KeyRing;
    const pair = async () => {
      const s = await fresh();
      opened.push(s.store);
      return {
        store: s.store,
        reopen: async () => {
          const again = await s.reopen();
          opened.push(again);
          return again;
        },
      };
    };
    const open = async () => (await pair()).store;
    before(async () => {
      keys = await KeyRing.generateEphemeral();
    });
    after(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    async function filled(n: number, checkpointAt: number[] = []) {
      const store = await open();
      const { audit } = auditLog(store, keys);
      const events = sampleEvents(n, T0);
      for (let i = 0; i < n; i++) {
        await audit.recordDurable(events[i]!);
        if (checkpointAt.includes(i + 1)) await audit.checkpoint();
      }
      return { store, audit };
    }

    test('durable appends form a verifiable chain 1..N; batches join the same chain', async () => {
      const store = await open();
      const { audit, metrics } = auditLog(store, keys);
      const r1 = await audit.recordDurable({ type: 'request.intent', request_id: 'r1', method: 'POST' });
      assert.equal(r1.seq, 1);
      for (const e of sampleEvents(5, T0)) audit.record(e);
      assert.equal(audit.pending, 5);
      await audit.flush();
      assert.equal(audit.pending, 0);
      const rows = await store.db.selectFrom('audit_events').select(['seq', 'prev_hash', 'hash']).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => Number(r.seq)), [1, 2, 3, 4, 5, 6]);
      for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prev_hash, rows[i - 1]!.hash);
      assert.equal(metrics.counts.get('written:durable'), 1);
      assert.equal(metrics.counts.get('written:batched'), 5);
      const v = await verifyChain(store);
      assert.deepEqual(v.problems, []);
      assert.equal(v.ok, true);
      assert.equal(v.events, 6);
    });

    test('concurrent writers on separate connections serialize into one chain without gaps or forks', async () => {
      const p = await pair();
      const a = p.store;
      const other = await p.reopen();
      const la = auditLog(a, keys).audit;
      const lb = auditLog(other, keys).audit;
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) writes.push((i % 2 ? la : lb).recordDurable({ type: 'request.intent', request_id: `c${i}` }));
      await Promise.all(writes);
      const seqs = (await a.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
      assert.deepEqual(seqs, Array.from({ length: 30 }, (_, i) => i + 1));
      assert.equal((await verifyChain(a)).ok, true);
    });

    test('tamper: changing a field of one event is reported at that event', async () => {
      const { store } = await filled(12, [12]);
      const row = await store.db.selectFrom('audit_events').select('body').where('seq', '=', 5).executeTakeFirstOrThrow();
      await store.db.updateTable('audit_events').set({ body: row.body.replace(/"decision":"(allow|deny)"/, (_m, d: string) => `"decision":"${d === 'allow' ? 'deny' : 'allow'}"`) }).where('seq', '=', 5).execute();
      const changed = await store.db.selectFrom('audit_events').select('body').where('seq', '=', 5).executeTakeFirstOrThrow();
      assert.notEqual(changed.body, row.body, 'the test really changed the body');
      problemAt(await verifyChain(store), 5, ['edited']);
    });

    test('tamper: editing only a query column (username) is reported', async () => {
      const { store } = await filled(6);
      await store.db.updateTable('audit_events').set({ username: 'mallory' }).where('seq', '=', 3).execute();
      problemAt(await verifyChain(store), 3, ['edited']);
      assert.equal((await queryEvents(store, { user: 'mallory' })).length, 1, 'the lie is visible to queries, which is why verify checks columns');
    });

    test('tamper: re-hashing an edited event to hide it breaks the next link', async () => {
      const { store } = await filled(8);
      const row = await store.db.selectFrom('audit_events').selectAll().where('seq', '=', 4).executeTakeFirstOrThrow();
      const body = row.body.replace('"username":"bob"', '"username":"eve"').replace('"username":"alice"', '"username":"eve"').replace('"username":"ci-bot"', '"username":"eve"');
      await store.db.updateTable('audit_events').set({ body, username: 'eve', hash: linkHash(row.prev_hash, 4, body) }).where('seq', '=', 4).execute();
      problemAt(await verifyChain(store), 5, ['out_of_order']);
    });

    test('tamper: deleting an event is reported with the missing position', async () => {
      const { store } = await filled(10);
      await store.db.deleteFrom('audit_events').where('seq', '=', 6).execute();
      const r = await verifyChain(store);
      problemAt(r, 6, ['missing']);
      assert.match(r.problems.find((p) => p.kind === 'missing')!.message, /6\.\.6/);
    });

    test('tamper: inserting an event (later ones renumbered) is reported where it went in', async () => {
      const { store } = await filled(8);
      const rows = await store.db.selectFrom('audit_events').selectAll().where('seq', '>', 4).orderBy('seq', 'desc').execute();
      for (const r of rows) await store.db.updateTable('audit_events').set({ seq: Number(r.seq) + 1 }).where('seq', '=', Number(r.seq)).execute();
      const at4 = await store.db.selectFrom('audit_events').selectAll().where('seq', '=', 4).executeTakeFirstOrThrow();
      const body = at4.body.replace(at4.id, 'forged-id');
      await store.db.insertInto('audit_events').values({ ...at4, id: 'forged-id', seq: 5, body, prev_hash: at4.hash, hash: linkHash(at4.hash, 5, body) }).execute();
      const r = await verifyChain(store);
      problemAt(r, 6, ['edited', 'out_of_order']);
    });

    test('tamper: swapping two events is reported at the first of them', async () => {
      const { store } = await filled(8);
      const [x, y] = await store.db.selectFrom('audit_events').selectAll().where('seq', 'in', [3, 4]).orderBy('seq').execute();
      await store.db.deleteFrom('audit_events').where('seq', 'in', [3, 4]).execute();
      await store.db.insertInto('audit_events').values([{ ...y!, seq: 3 }, { ...x!, seq: 4 }]).execute();
      problemAt(await verifyChain(store), 3, ['edited']);
    });

    test('checkpoints: signed with the key ring, verified offline from the store; a forged one and a cut tail are reported', async () => {
      const { store } = await filled(10, [5, 10]);
      const ok = await verifyChain(store);
      assert.equal(ok.ok, true, JSON.stringify(ok.problems));
      assert.equal(ok.checkpoints, 2);
      assert.equal(ok.lastCheckpointSeq, 10);
      assert.equal(ok.unanchoredTail, 0);
      const kid = keys.current().kid;
      const cp = await store.db.selectFrom('audit_checkpoints').selectAll().where('seq', '=', 5).executeTakeFirstOrThrow();
      assert.equal(cp.kid, kid);
      // the chain cut after a checkpoint: the deleted tail is named
      await store.db.deleteFrom('audit_events').where('seq', '>', 8).execute();
      problemAt(await verifyChain(store), 10, ['truncated']);
      // a checkpoint re-written without the key does not verify
      await store.db.updateTable('audit_checkpoints').set({ hash: 'f'.repeat(64) }).where('seq', '=', 5).execute();
      problemAt(await verifyChain(store), 5, ['bad_checkpoint']);
    });

    test('checkpoints: a chain rewritten wholesale after a checkpoint (all hashes recomputed) fails at the checkpoint', async () => {
      const { store } = await filled(6, [6]);
      const rows = await store.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
      let prev = rows[0]!.prev_hash;
      for (const r of rows) {
        const body = Number(r.seq) === 2 ? r.body.replace('"decision":"deny"', '"decision":"allow"') : r.body;
        const hash = linkHash(prev, Number(r.seq), body);
        await store.db.updateTable('audit_events').set({ body, hash, prev_hash: prev, decision: Number(r.seq) === 2 ? 'allow' : r.decision }).where('seq', '=', Number(r.seq)).execute();
        prev = hash;
      }
      problemAt(await verifyChain(store), 6, ['bad_checkpoint']);
    });

    test('verify with an auditor-pinned JWKS that lacks the signer refuses the checkpoint', async () => {
      const { store } = await filled(3, [3]);
      const other = await KeyRing.generateEphemeral();
      problemAt(await verifyChain(store, { jwks: other.jwks(), onlyJwks: true }), 3, ['bad_checkpoint']);
      assert.equal((await verifyChain(store, { jwks: keys.jwks(), onlyJwks: true })).ok, true);
    });

    test('retention prunes behind a signed checkpoint; what remains verifies; removing the anchor is reported', async () => {
      let now = T0 + 100 * 60_000;
      const store = await open();
      const { audit } = auditLog(store, keys, { settings: { retention: '30m' }, now: () => now });
      for (const e of sampleEvents(20, T0)) await audit.recordDurable(e);
      now = T0 + 21 * 60_000;
      await audit.checkpoint(); // anchors event 20 at T0+21m
      for (const e of sampleEvents(5, T0 + 60 * 60_000)) await audit.recordDurable(e);
      now = T0 + 200 * 60_000;
      await audit.checkpoint();
      now = T0 + 60 * 60_000; // cutoff T0+30m: the first checkpoint (time T0+21m) is the anchor
      const r = await audit.applyRetention();
      assert.deepEqual(r, { events: 19, anchorSeq: 20 });
      const v = await verifyChain(store);
      assert.equal(v.ok, true, JSON.stringify(v.problems));
      assert.equal(v.firstSeq, 20);
      const ret = await queryEvents(store, { type: 'audit.retention' });
      assert.equal(ret.length, 1);
      assert.equal(ret[0]!.event.detail?.pruned, 19);
      await store.db.deleteFrom('audit_checkpoints').where('seq', '=', 20).execute();
      problemAt(await verifyChain(store), 20, ['unanchored']);
    });

    test('query: each filter narrows exactly; "_" in a DAG id is literal; formats table, json and csv', async () => {
      const { store } = await filled(30);
      const all = sampleEvents(30, T0);
      const expect = (pred: (e: (typeof all)[number]) => boolean) => all.filter(pred).map((e) => e.request_id);
      const ids = (rs: { event: { request_id?: string } }[]) => rs.map((r) => r.event.request_id);
      assert.deepEqual(ids(await queryEvents(store, { dag: 'finance_daily' })), expect((e) => e.dag_ids![0] === 'finance_daily'));
      assert.deepEqual(ids(await queryEvents(store, { action: 'trigger' })), expect((e) => e.action === 'trigger'));
      assert.deepEqual(ids(await queryEvents(store, { user: 'alice' })), expect((e) => e.actor!.username === 'alice'));
      assert.deepEqual(ids(await queryEvents(store, { user: 'svc-ci' })), expect((e) => e.actor!.sub === 'svc-ci'));
      assert.deepEqual(ids(await queryEvents(store, { decision: 'deny' })), expect((e) => e.decision === 'deny'));
      assert.deepEqual(ids(await queryEvents(store, { type: 'login' })), expect((e) => e.type === 'login'));
      const since = T0 + 10 * 60_000;
      const until = T0 + 20 * 60_000;
      assert.deepEqual(ids(await queryEvents(store, { since, until })), expect((e) => e.time! >= since && e.time! < until));
      const combo = await queryEvents(store, { dag: 'finance_daily', action: 'trigger', user: 'alice', decision: 'allow', since: T0 });
      assert.deepEqual(ids(combo), expect((e) => e.dag_ids![0] === 'finance_daily' && e.action === 'trigger' && e.actor!.username === 'alice' && e.decision === 'allow'));
      assert.ok(combo.length > 0, 'the sample has such events');
      assert.equal((await queryEvents(store, { limit: 3 })).length, 3);

      const table = formatRecords(combo, 'table');
      assert.match(table, /^TIME +SEQ +TYPE +USER/);
      assert.match(table, /cred-alice-1/);
      assert.match(table, new RegExp(`\\(${combo.length} events?\\)`));
      const json = JSON.parse(formatRecords(combo, 'json')) as { seq: number; event: { request_id: string } }[];
      assert.deepEqual(json.map((j) => j.event.request_id), ids(combo));
      const csv = formatRecords(combo, 'csv').trimEnd().split('\r\n');
      assert.equal(csv.length, combo.length + 1);
      assert.ok(csv[0]!.startsWith('time,seq,type,user,kind,env,method,path,action,dags,decision'));
      assert.ok(csv[1]!.includes(',alice,person,prod,POST,/api/v1/dags/finance_daily/dagRuns,trigger,finance_daily,allow,'));
    });

    test('export -> import into a fresh store -> verify passes; a windowed export starts at a checkpoint and verifies too', async () => {
      const { store } = await filled(25, [10, 20]);
      const lines: string[] = [];
      for await (const l of exportLines(store)) lines.push(JSON.stringify(l));
      const target = await open();
      const res = await importLines(target, lines.join('\n'));
      assert.deepEqual(res, { events: 25, checkpoints: 2, keys: 1 });
      const v = await verifyChain(target);
      assert.equal(v.ok, true, JSON.stringify(v.problems));
      assert.equal(v.events, 25);
      assert.equal(v.checkpoints, 2);

      const part: string[] = [];
      for await (const l of exportLines(store, { since: T0 + 14 * 60_000, until: T0 + 22 * 60_000 })) part.push(JSON.stringify(l));
      const evs = part.map((p) => JSON.parse(p)).filter((l) => l.kind === 'event');
      assert.equal(evs[0].seq, 10, 'starts at the checkpoint before --since');
      assert.equal(evs.at(-1).seq, 22);
      const t2 = await open();
      await importLines(t2, part.join('\n'));
      const v2 = await verifyChain(t2);
      assert.equal(v2.ok, true, JSON.stringify(v2.problems));
      assert.equal(v2.firstSeq, 10);

      // importing the same file again does not continue the chain: refused, nothing written
      await assert.rejects(importLines(target, lines.join('\n')), (e: any) => e.code === 'AIRLOCK_AUDIT_IMPORT_INVALID');
      assert.equal((await verifyChain(target)).events, 25);
    });

    test('import refuses hostile files with a clear code and writes nothing', async () => {
      const target = await open();
      const bad = [
        'not json',
        JSON.stringify({ kind: 'event', seq: 1, prev_hash: 'x', hash: 'y', event: {} }),
        JSON.stringify({ kind: 'sql', text: 'drop table audit_events' }),
        JSON.stringify({ kind: 'event', seq: 1, prev_hash: '0'.repeat(64), hash: 'a'.repeat(64), event: { v: 1, id: 'i', time: 1, type: 'request', x: JSON.parse('['.repeat(60) + ']'.repeat(60)) } }),
      ];
      for (const text of bad) await assert.rejects(importLines(target, text), (e: any) => e.code === 'AIRLOCK_AUDIT_IMPORT_INVALID' && e.status === 400, text.slice(0, 40));
      const gap = [1, 3].map((seq) => JSON.stringify({ kind: 'event', seq, prev_hash: '0'.repeat(64), hash: 'a'.repeat(64), event: { v: 1, id: `i${seq}`, time: 1, type: 'request' } }));
      await assert.rejects(importLines(target, gap.join('\n')), (e: any) => e.code === 'AIRLOCK_AUDIT_IMPORT_INVALID');
      const n = await target.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 0);
      // a forged but well-formed import is accepted as data and then caught by verify
      await importLines(target, gap[0]!);
      problemAt(await verifyChain(target), 1, ['edited']);
    });

    test('hostile client values (control characters, huge user agent) are neutralized before they are stored', async () => {
      const store = await open();
      const { audit } = auditLog(store, keys);
      const r = await audit.recordDurable({ type: 'request', user_agent: `evil\u001b[31m\r\n${'x'.repeat(10_000)}`, path: '/a\u0000b' });
      assert.ok(r.event.user_agent!.length <= 513);
      assert.doesNotMatch(r.event.user_agent!, /[\u0000-\u001f]/);
      assert.equal(r.event.path, '/a\uFFFDb');
      assert.equal((await verifyChain(store)).ok, true);
      const q = await sql<{ n: number }>`select count(*) as n from audit_events`.execute(store.db);
      assert.equal(Number(q.rows[0]!.n), 1);
    });

    test('writeCheckpoint is idempotent on an unchanged chain', async () => {
      const { store } = await filled(2);
      assert.notEqual(await writeCheckpoint(store, keys, T0), undefined);
      assert.equal(await writeCheckpoint(store, keys, T0 + 1), undefined);
    });
  });

}
