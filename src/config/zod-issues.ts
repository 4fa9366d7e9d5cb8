import type { z } from 'zod';
import { Secret } from './secret.ts';
import { unknownKeyHint } from './did-you-mean.ts';
import { knownKeysAt } from './known-keys.ts';
import type { WalkProblem } from './walk-yaml.ts';

/**
 * Turns zod issues into problems by YAML path, with hints. Messages never quote an input value
 * (a value may have come from a secret reference).
 */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], input: unknown, schema: z.core.$ZodType): WalkProblem[] {
  const out: WalkProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys) {
          const hint = unknownKeyHint(key, known);
          out.push({ path: [...path, key], message: `unknown key "${key}"`, ...(hint ? { hint } : {}), atKey: true });
        }
        break;
      }
      case 'invalid_key': {
        const inner = issue.issues[0]?.message;
        out.push({ path, message: `invalid key${inner ? `: ${inner}` : ''}`, atKey: true });
        break;
      }
      case 'invalid_type': {
        const value = valueAt(input, path);
        if (value === undefined) out.push({ path, message: `required (${issue.expected})` });
        else if (value instanceof Secret) {
          out.push({ path, message: `a \${env:…}/\${file:…} reference gives text, but this field expects ${issue.expected}`, hint: 'write the value inline; references are for text and secret fields' });
        } else out.push({ path, message: `must be ${article(issue.expected)} (got ${describe(value)})` });
        break;
      }
      case 'invalid_union':
        out.push({ path, message: issue.message === 'Invalid input' ? unionMessage(issue) : issue.message });
        break;
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== 'object' || v instanceof Secret) return undefined;
    if (!Object.hasOwn(v, seg)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return typeof v === 'string' ? 'text' : typeof v;
}

function article(expected: string): string {
  if (expected === 'object' || expected === 'record' || expected === 'map') return 'a map';
  if (expected === 'array') return 'a list';
  if (expected === 'string') return 'text';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  const msgs = new Set(issue.errors.flatMap((e) => e.filter((i) => i.path.length === 0).map((i) => i.message)));
  return msgs.size > 0 ? `does not match any allowed form: ${[...msgs].join('; ')}` : 'does not match any allowed form';
}
