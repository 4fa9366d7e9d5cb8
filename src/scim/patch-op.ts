import { badFilter, badPath, badSyntax, badValue, noTarget } from './errors.ts';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from './schemas.ts';

/** Most operations one PATCH request may carry. */
export const MAX_OPERATIONS = 1000;
const MAX_PATH = 512;

export type OpKind = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  readonly op: OpKind;
  /** Absent: the value is an object of attributes (the "no path" form Okta and Entra ID both send). */
  readonly path: PatchPath | undefined;
  readonly value: unknown;
}

/** A parsed PATCH path (RFC 7644 3.5.2): `[urn:]attr[.sub]` or `attr[sub eq value][.sub]`. */
export interface PatchPath {
  /** The schema the path named: 'enterprise' for the enterprise extension, else the core schema. */
  readonly schema: 'core' | 'enterprise';
  /** The attribute as written (case kept; '' = the whole enterprise extension). */
  readonly attr: string;
  readonly filter?: { readonly attr: string; readonly value: string | number | boolean | null };
  readonly sub?: string;
}

const NAME = '[A-Za-z$][A-Za-z0-9_$-]*';
const PATH_RE = new RegExp(`^(${NAME})(?:\\[(.*)\\])?(?:\\.(${NAME}))?$`, 's');
const FILTER_RE = new RegExp(`^\\s*(${NAME})\\s+([A-Za-z]+)\\s+(.+?)\\s*$`, 's');

/** Parses a PATCH path; anything outside the supported grammar is invalidPath (a bad value filter: invalidFilter). */
export function parsePath(raw: unknown): PatchPath {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_PATH) throw badPath('path must be a non-empty string of at most 512 characters');
  let rest = raw;
  let schema: PatchPath['schema'] = 'core';
  const lower = raw.toLowerCase();
  if (lower === ENTERPRISE_SCHEMA.toLowerCase()) return { schema: 'enterprise', attr: '' };
  if (lower.startsWith(`${ENTERPRISE_SCHEMA.toLowerCase()}:`)) {
    schema = 'enterprise';
    rest = raw.slice(ENTERPRISE_SCHEMA.length + 1);
  } else if (lower.startsWith(`${USER_SCHEMA.toLowerCase()}:`)) rest = raw.slice(USER_SCHEMA.length + 1);
  else if (lower.startsWith(`${GROUP_SCHEMA.toLowerCase()}:`)) rest = raw.slice(GROUP_SCHEMA.length + 1);
  else if (lower.startsWith('urn:')) throw badPath(`unknown schema in path "${raw.slice(0, 200)}"`);
  const m = PATH_RE.exec(rest);
  if (!m) throw badPath(`unsupported path "${raw.slice(0, 200)}"`);
  const [, attr, filterText, sub] = m;
  if (filterText === undefined) return { schema, attr: attr!, ...(sub === undefined ? {} : { sub }) };
  const f = FILTER_RE.exec(filterText);
  if (!f) throw badFilter(`unsupported filter in path "${raw.slice(0, 200)}": use [attribute eq "value"]`);
  if (f[2]!.toLowerCase() !== 'eq') throw badFilter(`the operator "${f[2]!.slice(0, 20)}" is not supported in a path; only eq is`);
  let value: unknown;
  try {
    value = JSON.parse(f[3]!);
  } catch {
    throw badFilter(`the value in path "${raw.slice(0, 200)}" must be a quoted string, a number, true, false or null`);
  }
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw badFilter('a path filter value must be a string, a number, true, false or null');
  return { schema, attr: attr!, filter: { attr: f[1]!, value: value as string | number | boolean | null }, ...(sub === undefined ? {} : { sub }) };
}

/**
 * A PatchOp body (RFC 7644 3.5.2): `schemas` = [PatchOp], `Operations` a non-empty list of `{ op, path?, value? }`.
 * `op` is case-insensitive (Entra ID sends "Replace", "Add", "Remove"); extra members of an operation (Entra ID's
 * "name") are ignored. `remove` needs a path (noTarget otherwise).
 */
export function parsePatch(body: unknown): PatchOperation[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badSyntax('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const get = (name: string) => {
    const k = Object.keys(b).find((x) => x.toLowerCase() === name.toLowerCase());
    return k === undefined ? undefined : b[k];
  };
  const schemas = get('schemas');
  if (!Array.isArray(schemas) || schemas.length !== 1 || schemas[0] !== PATCH_OP) throw badSyntax(`schemas must be ["${PATCH_OP}"]`);
  const ops = get('Operations');
  if (!Array.isArray(ops) || ops.length === 0) throw badSyntax('Operations must be a non-empty list');
  if (ops.length > MAX_OPERATIONS) throw badSyntax(`at most ${MAX_OPERATIONS} operations per request`);
  return ops.map((o, i) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw badSyntax(`Operations[${i}] must be an object`);
    const e = o as Record<string, unknown>;
    const field = (name: string) => {
      const k = Object.keys(e).find((x) => x.toLowerCase() === name);
      return k === undefined ? undefined : e[k];
    };
    const op = field('op');
    if (typeof op !== 'string' || !/^(add|replace|remove)$/i.test(op)) throw badSyntax(`Operations[${i}].op must be add, replace or remove`);
    const kind = op.toLowerCase() as OpKind;
    const rawPath = field('path');
    const path = rawPath === undefined || rawPath === null ? undefined : parsePath(rawPath);
    const value = field('value');
    if (kind === 'remove' && path === undefined) throw noTarget(`Operations[${i}]: remove needs a path`);
    if (kind !== 'remove' && value === undefined) throw badValue(`Operations[${i}]: ${kind} needs a value`);
    if (path === undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) throw badValue(`Operations[${i}]: without a path the value must be an object of attributes`);
    return { op: kind, path, value };
  });
}
