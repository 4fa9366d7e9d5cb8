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
  #max: number;
  #fresh: number;
  readonly #map = new Map<string, Slot>();
  /** Counts insertions and moves to the newest end. */
  #tick = 0;

  constructor(maxEntries: number) {
    checkMax(maxEntries);
    this.#max = maxEntries;
    this.#fresh = maxEntries >> 1;
  }

  get size(): number {
    return this.#map.size;
  }

  get maxEntries(): number {
    return this.#max;
  }

  /** A new bound (a config reload): a smaller one drops the least recently used entries at once. */
  resize(maxEntries: number): void {
    checkMax(maxEntries);
    this.#max = maxEntries;
    this.#fresh = maxEntries >> 1;
    this.#trim();
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
    this.#trim();
  }

  delete(idHash: string): void {
    this.#map.delete(idHash);
  }

  clear(): void {
    this.#map.clear();
  }

  #trim(): void {
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }
}

function checkMax(maxEntries: number): void {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('SessionCache: maxEntries must be a positive integer');
}

interface Slot {
  readonly entry: CacheEntry;
  tick: number;
}
