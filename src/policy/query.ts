import { percentDecode, encodeQueryPart } from './percent.ts';
import { ParamPollution } from './errors.ts';

export interface QueryEntry {
  readonly key: string;
  readonly value: string;
  /** "k" (no "=") vs "k=" are kept apart so the forwarded form is exact. */
  readonly hasValue: boolean;
}

/** Parameters that carry DAG ids; a repeated one is refused (Werkzeug takes the first, Starlette the last). */
export const SINGLE_DAG_PARAMS: ReadonlySet<string> = new Set(['dag_id', 'dag_id_pattern', 'dag_display_name_pattern']);

/** A read-only, URLSearchParams-like view of decoded parameters. */
export class ReadonlyQuery {
  readonly #entries: readonly QueryEntry[];
  constructor(entries: readonly QueryEntry[]) {
    this.#entries = entries;
  }
  get size(): number {
    return this.#entries.length;
  }
  get(key: string): string | null {
    for (const e of this.#entries) if (e.key === key) return e.value;
    return null;
  }
  getAll(key: string): string[] {
    return this.#entries.filter((e) => e.key === key).map((e) => e.value);
  }
  has(key: string): boolean {
    return this.#entries.some((e) => e.key === key);
  }
  entries(): IterableIterator<[string, string]> {
    return this.#entries.map((e) => [e.key, e.value] as [string, string])[Symbol.iterator]();
  }
  keys(): IterableIterator<string> {
    return this.#entries.map((e) => e.key)[Symbol.iterator]();
  }
  toString(): string {
    return this.#entries.map((e) => (e.hasValue ? `${encodeQueryPart(e.key)}=${encodeQueryPart(e.value)}` : encodeQueryPart(e.key))).join('&');
  }
}

/** Parses application/x-www-form-urlencoded text (query strings and form bodies) strictly. */
export function parseParams(text: string): ReadonlyQuery {
  const entries: QueryEntry[] = [];
  const seen = new Set<string>();
  if (text !== '') {
    for (const part of text.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = percentDecode(eq === -1 ? part : part.slice(0, eq), true);
      const value = eq === -1 ? '' : percentDecode(part.slice(eq + 1), true);
      if (SINGLE_DAG_PARAMS.has(key)) {
        if (seen.has(key)) throw ParamPollution.create({ logMessage: `repeated parameter ${key}` });
        seen.add(key);
      }
      entries.push({ key, value, hasValue: eq !== -1 });
    }
  }
  return new ReadonlyQuery(entries);
}
