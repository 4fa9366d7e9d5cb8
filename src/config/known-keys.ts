import type { z } from 'zod';

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  valueType?: AnySchema;
  element?: AnySchema;
  innerType?: AnySchema;
  in?: AnySchema;
  out?: AnySchema;
  options?: AnySchema[];
  getter?: () => AnySchema;
}

const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The keys an object schema at `path` accepts (through optional/default/pipe/union/record/array wrappers). */
export function knownKeysAt(root: AnySchema, path: readonly PropertyKey[]): string[] {
  let current = expand(root);
  for (const seg of path) {
    const next: AnySchema[] = [];
    for (const s of current) {
      const d = defOf(s);
      if (d.type === 'object' && d.shape && typeof seg === 'string' && Object.hasOwn(d.shape, seg)) next.push(d.shape[seg]!);
      else if (d.type === 'record' && d.valueType) next.push(d.valueType);
      else if (d.type === 'array' && d.element && typeof seg === 'number') next.push(d.element);
    }
    current = next.flatMap(expand);
  }
  const keys = new Set<string>();
  for (const s of current) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape) for (const k of Object.keys(d.shape)) keys.add(k);
  }
  return [...keys];
}

/** All the concrete schemas a wrapper may stand for. */
function expand(s: AnySchema, depth = 0): AnySchema[] {
  if (depth > 20) return [];
  const d = defOf(s);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return d.innerType ? expand(d.innerType, depth + 1) : [];
    case 'pipe':
      return [...(d.in ? expand(d.in, depth + 1) : []), ...(d.out ? expand(d.out, depth + 1) : [])];
    case 'union':
      return (d.options ?? []).flatMap((o) => expand(o, depth + 1));
    case 'lazy':
      return d.getter ? expand(d.getter(), depth + 1) : [];
    default:
      return [s];
  }
}
