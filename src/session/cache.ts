import type { SessionRecord } from './record.ts';

export interface CacheEntry {
  record: SessionRecord;
  /** When the row was last read from the store. */
  fetchedAt: number;
  /** The last lastSeenAt written to the store (or read from it). */
  writtenAt: number;
}

/** A bounded map: least recently used entries go first when full. */
export class SessionCache {
  readonly #max: number;
  readonly #map = new Map<string, CacheEntry>();

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('SessionCache: maxEntries must be a positive integer');
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  get(idHash: string): CacheEntry | undefined {
    const e = this.#map.get(idHash);
    if (e !== undefined) {
      this.#map.delete(idHash); // move to the most recently used end
      this.#map.set(idHash, e);
    }
    return e;
  }

  set(idHash: string, entry: CacheEntry): void {
    this.#map.delete(idHash);
    this.#map.set(idHash, entry);
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
