import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

/**
 * Finds line:column (1-based) for a path in the document. With `atKey`, points at the key of the last segment
 * (unknown keys, bad record keys). When the path does not exist (a missing key), points at the key of the
 * deepest part that does exist; undefined when not even the first segment exists.
 */
export function locate(doc: Document.Parsed, lines: LineCounter, path: readonly PropertyKey[], atKey = false): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let lastKeyOffset: number | undefined;
  let lastValueOffset: number | undefined;
  let seen = 0;
  for (let i = 0; i < path.length; i++) {
    node = follow(doc, node);
    const seg = path[i];
    let keyOffset: number | undefined;
    let next: unknown;
    let found = false;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) {
        found = true;
        keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        next = pair.value;
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item !== undefined) {
        found = true;
        next = item;
        keyOffset = rangeStart(doc, item);
      }
    }
    if (!found) break;
    seen = i + 1;
    lastKeyOffset = keyOffset;
    lastValueOffset = rangeStart(doc, next) ?? keyOffset;
    node = next;
  }
  let offset: number | undefined;
  if (seen === path.length) offset = atKey ? lastKeyOffset ?? lastValueOffset : lastValueOffset ?? lastKeyOffset;
  else offset = lastKeyOffset;
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function follow(doc: Document.Parsed, node: unknown): unknown {
  let n = node;
  for (let hops = 0; hops < 32 && isAlias(n); hops++) n = n.resolve(doc);
  return n;
}

function rangeStart(doc: Document.Parsed, node: unknown): number | undefined {
  const n = follow(doc, node) as { range?: [number, number, number] } | null;
  // Point at the alias itself, not the anchored node, when the value is an alias.
  const own = node as { range?: [number, number, number] } | null;
  return own?.range?.[0] ?? n?.range?.[0];
}
