import type { Checkpoint } from './checkpoint.ts';
import type { AuditEvent, AuditRecord } from './event.ts';

/**
 * One JSON Lines record, as written by `airlock audit export` and every live sink:
 *   {"kind":"event","seq":…,"prev_hash":…,"hash":…,"event":{…}}
 *   {"kind":"checkpoint","seq":…,"hash":…,"time":…,"kid":…,"jws":…}
 *   {"kind":"key","kid":…,"jwk":{…}}
 */
export type AuditLine =
  | { kind: 'event'; seq: number; prev_hash: string; hash: string; event: AuditEvent }
  | ({ kind: 'checkpoint' } & Checkpoint)
  | { kind: 'key'; kid: string; jwk: Record<string, unknown> };

export function eventLine(r: AuditRecord): string {
  return JSON.stringify({ kind: 'event', seq: r.seq, prev_hash: r.prevHash, hash: r.hash, event: r.event });
}
