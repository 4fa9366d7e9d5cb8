/** Freezes an object graph (plain objects, arrays, class instances such as Secret). Cycles are fine. */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  const obj = value as object;
  if (seen.has(obj)) return value;
  seen.add(obj);
  for (const key of Reflect.ownKeys(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (d && 'value' in d) deepFreeze(d.value, seen);
  }
  Object.freeze(obj);
  return value;
}
