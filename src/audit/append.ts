import type { AuditEventsTable, Store } from '../store/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { GENESIS_HASH, linkHash } from './chain-hash.ts';
import { columnsOf } from './columns.ts';
import type { AuditEvent, AuditRecord } from './event.ts';

/**
 * Appends events to the ONE chain shared by every worker and replica, in one transaction (the store
 * serializes appends and reads the chain's end inside the same transaction: see AuditChainRepo).
 * Bodies are encoded before the lock is taken; only the links are computed while holding it.
 * Throws the driver error; callers decide what a failure means.
 */
export function appendEvents(store: Store, events: readonly AuditEvent[]): Promise<AuditRecord[]> {
  return appendEncoded(store, events, events.map((e) => canonicalJson(e)));
}

/** appendEvents() for events whose canonical bodies were already made (bodies[i] = canonicalJson(events[i])). */
export async function appendEncoded(store: Store, events: readonly AuditEvent[], bodies: readonly string[]): Promise<AuditRecord[]> {
  if (events.length !== bodies.length) throw new TypeError('appendEncoded: one body per event');
  if (events.length === 0) return [];
  const columns = events.map((e) => columnsOf(e));
  const rows = await store.auditChain.append((end) => {
    let seq = end ? end.seq : 0;
    let prev = end ? end.hash : GENESIS_HASH;
    const out: AuditEventsTable[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      seq += 1;
      const hash = linkHash(prev, seq, bodies[i]!);
      out[i] = { seq, ...columns[i]!, body: bodies[i]!, prev_hash: prev, hash };
      prev = hash;
    }
    return out;
  });
  return rows.map((r, i) => ({ seq: r.seq, prevHash: r.prev_hash, hash: r.hash, event: events[i]! }));
}
