import { z } from 'zod';
import type { Store } from '../store/index.ts';
import { guarded } from '../store/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { columnsOf } from './columns.ts';
import { AuditImportInvalid } from './errors.ts';
import { AUDIT_EVENT_TYPES, type AuditEvent } from './event.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const eventSchema = z.looseObject({ v: z.literal(1), id: z.string().min(1).max(100), time: z.number().int(), type: z.enum(AUDIT_EVENT_TYPES) });
const lineSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('event'), seq, prev_hash: hex64, hash: hex64, event: eventSchema }),
  z.strictObject({ kind: z.literal('checkpoint'), seq, hash: hex64, time: z.number().int(), kid: z.string().min(1).max(200), jws: z.string().min(1).max(10_000) }),
  z.strictObject({ kind: z.literal('key'), kid: z.string().min(1).max(200), jwk: z.record(z.string(), z.unknown()) }),
]);

export interface ImportResult {
  readonly events: number;
  readonly checkpoints: number;
  readonly keys: number;
}

/**
 * Loads an export (JSON Lines) into a store, byte for byte: events keep their seq and hashes (nothing is
 * re-hashed, so `airlock audit verify` afterwards checks the export itself). The events must be contiguous and
 * must either start an empty chain or continue the store's last event. Refuses the whole file otherwise.
 */
export async function importLines(store: Store, text: string): Promise<ImportResult> {
  const events: { seq: number; prev_hash: string; hash: string; event: AuditEvent }[] = [];
  const checkpoints: { seq: number; hash: string; time: number; kid: string; jws: string }[] = [];
  const keys: { kid: string; public_jwk: string; created_at: number }[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw AuditImportInvalid.create({ message: `line ${i + 1} is not JSON` });
    }
    const p = lineSchema.safeParse(value);
    if (!p.success) throw AuditImportInvalid.create({ message: `line ${i + 1} is not an audit export record (${p.error.issues[0]?.path.join('.') || 'shape'})` });
    const l = p.data;
    if (l.kind === 'event') events.push({ seq: l.seq, prev_hash: l.prev_hash, hash: l.hash, event: l.event as unknown as AuditEvent });
    else if (l.kind === 'checkpoint') checkpoints.push({ seq: l.seq, hash: l.hash, time: l.time, kid: l.kid, jws: l.jws });
    else keys.push({ kid: l.kid, public_jwk: JSON.stringify(l.jwk), created_at: Date.now() });
  });
  events.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.seq !== events[i - 1]!.seq + 1) throw AuditImportInvalid.create({ message: `events are not contiguous: ${events[i - 1]!.seq} is followed by ${events[i]!.seq}` });
  }
  let rows;
  try {
    rows = events.map((e) => ({ seq: e.seq, ...columnsOf(e.event), body: canonicalJson(e.event), prev_hash: e.prev_hash, hash: e.hash }));
  } catch {
    throw AuditImportInvalid.create({ message: 'an event holds values that are not plain JSON (or is nested too deeply)' });
  }
  return guarded('audit.import', () =>
    store.db.transaction().execute(async (trx) => {
      const last = await trx.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const head = events[0];
      if (last && head && (head.seq !== Number(last.seq) + 1 || head.prev_hash !== last.hash)) {
        throw AuditImportInvalid.create({ message: `the export does not continue this store's chain (store ends at ${last.seq}, export starts at ${head.seq})` });
      }
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto('audit_events').values(rows.slice(i, i + 500)).execute();
      for (const k of keys) await trx.insertInto('audit_keys').values(k).onConflict((oc) => oc.column('kid').doNothing()).execute();
      for (const c of checkpoints) await trx.insertInto('audit_checkpoints').values(c).onConflict((oc) => oc.column('seq').doNothing()).execute();
      return { events: rows.length, checkpoints: checkpoints.length, keys: keys.length };
    }),
  );
}
