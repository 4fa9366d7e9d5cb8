import type { JWK } from 'jose';
import type { Store } from '../store/index.ts';
import { guarded } from '../store/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { GENESIS_HASH, linkHash } from './chain-hash.ts';
import { checkCheckpoint, type Checkpoint } from './checkpoint.ts';
import { COLUMN_NAMES, columnsOf } from './columns.ts';
import type { AuditEvent } from './event.ts';
import { checkpointKeys } from './signer-keys.ts';

export type ProblemKind = 'edited' | 'missing' | 'out_of_order' | 'unanchored' | 'bad_checkpoint' | 'truncated';

export interface VerifyProblem {
  readonly kind: ProblemKind;
  /** The chain position where the problem shows. */
  readonly seq: number;
  readonly eventId?: string;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly firstSeq: number | undefined;
  readonly lastSeq: number | undefined;
  readonly checkpoints: number;
  readonly lastCheckpointSeq: number | undefined;
  /** Events after the last signed checkpoint: their deletion from the end could only be seen in a sink's copy. */
  readonly unanchoredTail: number;
  readonly problems: readonly VerifyProblem[];
}

export interface VerifyOptions {
  /** Extra public keys (an auditor's copy of /.airlock/jwks.json). */
  readonly jwks?: { keys: JWK[] };
  /** Trust only `jwks`, not the keys in the store. */
  readonly onlyJwks?: boolean;
  /** Stop collecting after this many problems (default 100). */
  readonly maxProblems?: number;
}

const PAGE = 2_000;

/**
 * Walks the whole chain in order and reports every edit (a hash or a query column that does not match the
 * content), deletion (a gap, a missing head without a signed anchor, a tail cut below a checkpoint),
 * insertion and reordering (a broken link), and every checkpoint whose signature or hash does not hold.
 * Works offline: keys come from the store (signing_keys, audit_keys) and/or the given JWKS.
 */
export async function verifyChain(store: Store, opts: VerifyOptions = {}): Promise<VerifyReport> {
  return guarded('audit.verify', () => verify(store, opts));
}

async function verify(store: Store, opts: VerifyOptions): Promise<VerifyReport> {
  const max = opts.maxProblems ?? 100;
  const problems: VerifyProblem[] = [];
  const add = (p: VerifyProblem) => {
    if (problems.length < max) problems.push(p);
  };
  const checkpoints: Checkpoint[] = (await store.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute()).map((c) => ({ ...c, seq: Number(c.seq), time: Number(c.time) }));
  const cpSeqs = new Set(checkpoints.map((c) => c.seq));
  const hashAt = new Map<number, string>();

  let events = 0;
  let first: { seq: number; hash: string; id: string } | undefined;
  let prev: { seq: number; hash: string } | undefined;
  let after = -1;
  for (;;) {
    const rows = await store.db.selectFrom('audit_events').selectAll().where('seq', '>', after).orderBy('seq').limit(PAGE).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      events++;
      after = seq;
      const id = r.id;
      if (linkHash(r.prev_hash, seq, r.body) !== r.hash) add({ kind: 'edited', seq, eventId: id, message: `event ${seq} does not match its hash: its content, position or link was changed` });
      checkBody(seq, r as unknown as Record<string, unknown>, add);
      if (cpSeqs.has(seq)) hashAt.set(seq, r.hash);
      if (!prev) {
        first = { seq, hash: r.hash, id };
        if (seq === 1 && r.prev_hash !== GENESIS_HASH) add({ kind: 'out_of_order', seq, eventId: id, message: 'event 1 does not start the chain (its previous hash is not the genesis value)' });
      } else {
        if (seq !== prev.seq + 1) add({ kind: 'missing', seq: prev.seq + 1, message: `events ${prev.seq + 1}..${seq - 1} are missing (deleted)` });
        else if (r.prev_hash !== prev.hash) add({ kind: 'out_of_order', seq, eventId: id, message: `event ${seq} does not follow event ${prev.seq}: an event was inserted, removed or moved here` });
      }
      prev = { seq, hash: r.hash };
    }
    if (rows.length < PAGE) break;
  }

  const keys = await checkpointKeys(store, opts.jwks, opts.onlyJwks === true);
  const valid = new Set<number>();
  for (const cp of checkpoints) {
    if (first && cp.seq < first.seq) continue; // pruned part of the chain
    const sig = await checkCheckpoint(cp, keys.get(cp.kid));
    if (!sig.ok) {
      add({ kind: 'bad_checkpoint', seq: cp.seq, message: `checkpoint at event ${cp.seq}: ${sig.why}` });
      continue;
    }
    if (!prev || cp.seq > prev.seq) {
      add({ kind: 'truncated', seq: cp.seq, message: `a signed checkpoint covers event ${cp.seq} but the chain ends at ${prev?.seq ?? 0}: events ${(prev?.seq ?? 0) + 1}..${cp.seq} were deleted` });
      continue;
    }
    const h = hashAt.get(cp.seq);
    if (h === undefined) continue; // inside a gap, already reported
    if (h !== cp.hash) add({ kind: 'bad_checkpoint', seq: cp.seq, message: `checkpoint at event ${cp.seq} does not match the chain there: events up to ${cp.seq} were changed` });
    else valid.add(cp.seq);
  }
  if (first && first.seq !== 1 && !valid.has(first.seq)) {
    add({ kind: 'unanchored', seq: first.seq, eventId: first.id, message: `the chain starts at event ${first.seq} and no valid signed checkpoint anchors it: events before ${first.seq} were deleted` });
  }
  const lastCp = [...valid].reduce<number | undefined>((m, s) => (m === undefined || s > m ? s : m), undefined);
  return {
    ok: problems.length === 0,
    events,
    firstSeq: first?.seq,
    lastSeq: prev?.seq,
    checkpoints: valid.size,
    lastCheckpointSeq: lastCp,
    unanchoredTail: prev ? prev.seq - (lastCp ?? (first ? first.seq - 1 : 0)) : 0,
    problems,
  };
}

function checkBody(seq: number, row: Record<string, unknown>, add: (p: VerifyProblem) => void): void {
  let event: AuditEvent;
  try {
    event = JSON.parse(row.body as string) as AuditEvent;
    if (canonicalJson(event) !== row.body) throw new Error('not canonical');
  } catch {
    add({ kind: 'edited', seq, message: `event ${seq} is not canonical JSON` });
    return;
  }
  const cols = columnsOf(event) as unknown as Record<string, unknown>;
  for (const c of COLUMN_NAMES) {
    const stored = row[c] === null || row[c] === undefined ? null : c === 'time' || c === 'status' ? Number(row[c]) : row[c];
    if (stored !== cols[c]) {
      add({ kind: 'edited', seq, eventId: event.id, message: `event ${seq}: column ${c} differs from the hashed event (the queryable copy was edited)` });
      return;
    }
  }
}
