import type { Store } from '../store/index.ts';
import { guarded } from '../store/index.ts';
import type { AuditEvent } from './event.ts';
import type { AuditLine } from './lines.ts';

export interface ExportRange {
  /** Epoch ms: the export starts at the signed checkpoint at or before the first event at/after this time. */
  readonly since?: number;
  /** Epoch ms, exclusive: the export ends with the last event before this time. */
  readonly until?: number;
}

const PAGE = 1_000;

/**
 * The chain (or a contiguous part of it) as JSON Lines records: the public keys, the events, then the
 * checkpoints. A part always starts at a signed checkpoint (or the chain's start), so an export verifies on
 * its own after `airlock audit import` into a fresh store.
 */
export async function* exportLines(store: Store, range: ExportRange = {}): AsyncGenerator<AuditLine> {
  const bounds = await guarded('audit.export', () => exportBounds(store, range));
  if (!bounds) return;
  const { from, to } = bounds;
  const cps = await guarded('audit.export', () => store.db.selectFrom('audit_checkpoints').selectAll().where('seq', '>=', from).where('seq', '<=', to).orderBy('seq').execute());
  const kids = new Set(cps.map((c) => c.kid));
  const keyRows = await guarded('audit.export', async () => [
    ...(await store.db.selectFrom('audit_keys').select(['kid', 'public_jwk']).execute()),
    ...(await store.db.selectFrom('signing_keys').select(['kid', 'public_jwk']).execute()),
  ]);
  const seen = new Set<string>();
  for (const k of keyRows) {
    if (!kids.has(k.kid) || seen.has(k.kid)) continue;
    seen.add(k.kid);
    const { kty, crv, x, y } = JSON.parse(k.public_jwk) as Record<string, unknown>;
    yield { kind: 'key', kid: k.kid, jwk: { kty, crv, x, y, kid: k.kid } };
  }
  let after = from - 1;
  for (;;) {
    const rows = await guarded('audit.export', () =>
      store.db.selectFrom('audit_events').select(['seq', 'prev_hash', 'hash', 'body']).where('seq', '>', after).where('seq', '<=', to).orderBy('seq').limit(PAGE).execute(),
    );
    for (const r of rows) yield { kind: 'event', seq: Number(r.seq), prev_hash: r.prev_hash, hash: r.hash, event: JSON.parse(r.body) as AuditEvent };
    if (rows.length < PAGE) break;
    after = Number(rows.at(-1)!.seq);
  }
  for (const c of cps) yield { kind: 'checkpoint', seq: Number(c.seq), hash: c.hash, time: Number(c.time), kid: c.kid, jws: c.jws };
}

async function exportBounds(store: Store, range: ExportRange): Promise<{ from: number; to: number } | undefined> {
  const ev = store.db.selectFrom('audit_events');
  const firstRow = await (range.since === undefined ? ev.select('seq') : ev.select('seq').where('time', '>=', range.since)).orderBy('seq').limit(1).executeTakeFirst();
  const lastRow = await (range.until === undefined ? ev.select('seq') : ev.select('seq').where('time', '<', range.until)).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!firstRow || !lastRow) return undefined;
  const first = Number(firstRow.seq);
  const to = Number(lastRow.seq);
  if (to < first) return undefined;
  const anchor = await store.db.selectFrom('audit_checkpoints').select('seq').where('seq', '<=', first).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const chainStart = await ev.select('seq').orderBy('seq').limit(1).executeTakeFirstOrThrow();
  const from = anchor && Number(anchor.seq) >= Number(chainStart.seq) ? Number(anchor.seq) : Number(chainStart.seq);
  return { from, to };
}
