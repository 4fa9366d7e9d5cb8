import { hash } from 'node:crypto';

/** prev_hash of the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of one chain link: SHA-256 (hex) over the previous hash, the position and the canonical body.
 * The position is covered, so moving an event (or renumbering) breaks its hash.
 */
export function linkHash(prevHash: string, seq: number, body: string): string {
  return hash('sha256', `airlock-audit-v1\n${prevHash}\n${seq}\n${body}`, 'hex');
}
