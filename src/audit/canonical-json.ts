/**
 * Canonical JSON for hashing: object keys sorted (by UTF-16 code unit), no whitespace, `undefined` members
 * dropped. Only JSON values are accepted: a function, symbol, bigint, non-finite number or a class instance
 * is a programmer error (TypeError), so two writers can never hash the same event differently.
 * (Hand-written loops: this runs for every audit event.)
 */
export function canonicalJson(value: unknown): string {
  // Fast path: a value whose objects already hold their keys in sorted order (buildEvent makes them so)
  // serializes identically through JSON.stringify. Anything else takes the general path.
  return inCanonicalOrder(value, 0) ? JSON.stringify(value) : write(value, 0);
}

/**
 * True when JSON.stringify(v) is exactly the canonical form: only strings, booleans, finite numbers,
 * null, arrays and plain objects whose own keys are in ascending UTF-16 order and none of which is an
 * array index (V8 enumerates those first), nested at most 32 deep. Values that must throw (functions,
 * non-finite numbers, class instances, ...) are false here, so the general path throws for them.
 */
function inCanonicalOrder(v: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (v === null) return true;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (v[i] !== undefined && !inCanonicalOrder(v[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        if (i > 0 && !(keys[i - 1]! < k)) return false;
        const c = k.charCodeAt(0);
        if (c >= 0x30 && c <= 0x39) return false; // could be an array index
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined && !inCanonicalOrder(x, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function write(v: unknown, depth: number): string {
  if (depth > 32) throw new TypeError('canonicalJson: nested too deeply');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('canonicalJson: numbers must be finite');
      return JSON.stringify(v);
    case 'object':
      return Array.isArray(v) ? writeArray(v, depth) : writeObject(v as Record<string, unknown>, depth);
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof v}`);
  }
}

function writeArray(v: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    if (i > 0) out += ',';
    const x = v[i];
    out += x === undefined ? 'null' : write(x, depth + 1);
  }
  return out + ']';
}

function writeObject(v: Record<string, unknown>, depth: number): string {
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects');
  const keys = Object.keys(v).sort();
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = v[k];
    if (x === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + write(x, depth + 1);
  }
  return out + '}';
}
