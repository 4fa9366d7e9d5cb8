import type { SessionRecord } from './record.ts';

export interface CacheEntry {
  record: SessionRecord;
  /** When the row was last read from the store. */
  fetchedAt: number;
  /** The last lastSeenAt written to the store (or read from it). */
  writtenAt: number;
}

/**
 * A bounded map: least recently used entries go first when full. Nearly exact LRU at a fraction of the cost:
 * moving an entry to the newest end (a Map delete + set, ~1 µs) is skipped while it is among the newest half
 * (fewer than maxEntries/2 insertions or moves since its own), so a session making many requests is not moved
 * on each one. An entry used within the last maxEntries/2 insertions or moves is never the one dropped.
 */
export class SessionCache {
  readonly #max: number;
  readonly #fresh: number;
  readonly #map = new Map<string, Slot>();
  /** Counts insertions and moves to the newest end. */
  #tick = 0;

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('SessionCache: maxEntries must be a positive integer');
    this.#max = maxEntries;
    this.#fresh = maxEntries >> 1;
  }

  get size(): number {
    return this.#map.size;
  }

  get(idHash: string): CacheEntry | undefined {
    const slot = this.#map.get(idHash);
    if (slot === undefined) return undefined;
    if (this.#tick - slot.tick >= this.#fresh) {
      this.#map.delete(idHash); // move to the most recently used end
      this.#map.set(idHash, slot);
      slot.tick = ++this.#tick;
    }
    return slot.entry;
  }

  set(idHash: string, entry: CacheEntry): void {
    this.#map.delete(idHash);
    this.#map.set(idHash, { entry, tick: ++this.#tick });
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }

  delete(idHash: string): void {
    this.#map.delete(idHash);
  }

  clear(): void {
    this.#map.clear();
  }
}

interface Slot {
  readonly entry: CacheEntry;
  tick: number;
}
