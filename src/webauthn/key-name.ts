import { KeyNameInvalid } from './errors.ts';

/** A key name a person chose: 1..64 characters, trimmed, no control or bidi-override characters. */
export function checkKeyName(value: unknown): string {
  if (typeof value !== 'string') throw KeyNameInvalid.create();
  const name = value.trim();
  // eslint-disable-next-line no-control-regex
  if (name.length < 1 || name.length > 64 || /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(name)) throw KeyNameInvalid.create();
  return name;
}
