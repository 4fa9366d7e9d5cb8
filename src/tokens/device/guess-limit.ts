/**
 * Wrong user codes allowed in a window, per worker process: per person, and (several people may share one NAT)
 * three times as many per client address. A user code has 34.6 bits and lives 10 minutes: at 10 wrong codes per
 * 15 minutes a guesser needs billions of windows.
 */
export const GUESS_LIMIT = 10;
export const GUESS_LIMIT_PER_ADDRESS = 30;
export const GUESS_WINDOW_MS = 15 * 60_000;

export class GuessLimiter {
  readonly #windows = new Map<string, { start: number; misses: number }>();
  constructor(private readonly max = 100_000) {}

  /** Whether this key may try a code now. */
  allowed(key: string, now: number, limit = GUESS_LIMIT): boolean {
    const w = this.#windows.get(key);
    return w === undefined || now - w.start >= GUESS_WINDOW_MS || w.misses < limit;
  }

  /** Counts a wrong code. */
  miss(key: string, now: number): void {
    const w = this.#windows.get(key);
    if (w === undefined || now - w.start >= GUESS_WINDOW_MS) {
      if (w === undefined && this.#windows.size >= this.max) this.#windows.delete(this.#windows.keys().next().value as string);
      this.#windows.set(key, { start: now, misses: 1 });
    } else {
      w.misses++;
    }
  }
}
