import type { Store } from '../store/index.ts';
import { guarded } from '../store/index.ts';

export interface PruneResult {
  /** Events deleted. */
  readonly events: number;
  /** The first event kept: a signed checkpoint at this position anchors what remains. Undefined when nothing was pruned. */
  readonly anchorSeq: number | undefined;
}

/**
 * Deletes events older than `cutoff` without breaking verification: only events BEFORE the newest signed
 * checkpoint taken before the cutoff are removed, and that checkpoint's event is kept as the new start of
 * the chain (verify accepts a chain that starts at a valid signed checkpoint). Older checkpoints go too.
 */
export async function pruneBefore(store: Store, cutoff: number): Promise<PruneResult> {
  return guarded('audit.prune', async () => {
    const anchor = await store.db.selectFrom('audit_checkpoints').select('seq').where('time', '<', cutoff).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (!anchor) return { events: 0, anchorSeq: undefined };
    const seq = Number(anchor.seq);
    const r = await store.db.deleteFrom('audit_events').where('seq', '<', seq).executeTakeFirst();
    await store.db.deleteFrom('audit_checkpoints').where('seq', '<', seq).execute();
    const n = Number(r.numDeletedRows);
    return { events: n, anchorSeq: n > 0 ? seq : undefined };
  });
}
