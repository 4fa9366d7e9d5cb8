import { inspect } from 'node:util';

/**
 * A secret value resolved from a `${env:NAME}` or `${file:/path}` reference.
 * It never prints itself: String(), JSON and util.inspect all give "[redacted]".
 * Read it with `.reveal()` exactly where it is used.
 */
export class Secret {
  readonly #value: string;
  /** Where it came from, e.g. "env:AIRLOCK_CLIENT_SECRET" (safe to log). */
  readonly source: string;
  constructor(value: string, source: string) {
    this.#value = value;
    this.source = source;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return `[redacted ${this.source}]`;
  }
  [inspect.custom](): string {
    return `Secret(${this.source})`;
  }
}
