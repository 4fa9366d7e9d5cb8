import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { ConfigPath } from './yaml-path.ts';
import { resolveReference } from './references.ts';

/** A problem found while walking, by YAML path; line:column is added later from the document. */
export interface WalkProblem {
  path: ConfigPath;
  message: string;
  hint?: string;
  /** Point at the key of the last path segment instead of its value. */
  atKey?: boolean;
}

export interface Walked {
  value: unknown;
  problems: WalkProblem[];
  /** Paths whose value could not be produced (a failed reference); schema issues at or under them are dropped. */
  failed: ConfigPath[];
}

const MAX_NODES = 100_000;
const MAX_DEPTH = 64;

/**
 * Turns the parsed YAML into plain values (objects, arrays, strings, numbers, booleans, null) and resolves
 * secret references into Secret objects. Aliases are followed within a node budget (no alias bombs).
 * Objects are built with own properties only, so a "__proto__" key is just an (unknown) key.
 */
export function walkYaml(doc: Document.Parsed, baseDir: string, env: NodeJS.ProcessEnv): Walked {
  const out: Walked = { value: undefined, problems: [], failed: [] };
  let budget = MAX_NODES;

  const walk = (node: unknown, path: ConfigPath, depth: number): unknown => {
    if (--budget < 0) {
      if (budget === -1) out.problems.push({ path, message: `the document is too large (more than ${MAX_NODES} nodes after aliases)` });
      out.failed.push(path);
      return undefined;
    }
    if (depth > MAX_DEPTH) {
      out.problems.push({ path, message: `nesting deeper than ${MAX_DEPTH} levels` });
      out.failed.push(path);
      return undefined;
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        out.problems.push({ path, message: `unknown alias *${node.source}` });
        out.failed.push(path);
        return undefined;
      }
      return walk(target, path, depth + 1);
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v !== 'string') return v;
      const r = resolveReference(v, baseDir, env);
      if (r.kind === 'plain' || r.kind === 'secret') return r.value;
      out.problems.push({ path, message: r.message, ...(r.hint ? { hint: r.hint } : {}) });
      out.failed.push(path);
      return undefined;
    }
    if (isSeq(node)) return node.items.map((item, i) => walk(item, [...path, i], depth + 1));
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = keyOf(pair.key);
        if (key === undefined) {
          out.problems.push({ path, message: 'map keys must be plain strings', hint: 'complex or null keys are not supported' });
          continue;
        }
        Object.defineProperty(obj, key, { value: walk(pair.value, [...path, key], depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return obj;
    }
    out.problems.push({ path, message: 'unsupported YAML node' });
    out.failed.push(path);
    return undefined;
  };

  out.value = walk(doc.contents as Node | null, [], 0);
  return out;
}

function keyOf(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
