import { badPath, badValue, immutable } from './errors.ts';
import { parsePath, type OpKind, type PatchOperation, type PatchPath } from './patch-op.ts';
import { ENTERPRISE_SCHEMA } from './schemas.ts';
import { enterpriseAttrKind, enterpriseAttrName, isEnterpriseUrn, userAttrKind, userAttrName, type Kind } from './user-resource.ts';

type Json = Record<string, unknown>;

const CORE_KINDS: Record<string, Kind> = { userName: { t: 'string' }, externalId: { t: 'string' }, active: { t: 'boolean' } };

/**
 * Applies PATCH operations to a user document (userDocument()) in place, with RFC 7644 3.5.2 semantics, in the
 * forms Okta and Entra ID send: no-path value objects (keys may be paths: "name.givenName", or the enterprise
 * URN with an object), `attr`, `attr.sub`, `attr[sub eq "x"]` and `attr[sub eq "x"].sub` (a replace or add that
 * matches nothing creates the element, as Entra ID expects for emails[type eq "work"].value). `id` may be
 * "replaced" by the same value (Okta sends it); any other change of id, groups or meta is a mutability error.
 * Unknown attributes are ignored. The caller validates the result with parseUser().
 */
export function patchUser(doc: Json, ops: readonly PatchOperation[], id: string): void {
  for (const op of ops) {
    if (op.path !== undefined) {
      apply(doc, op.op, op.path, op.value, id);
      continue;
    }
    for (const [key, value] of Object.entries(op.value as Json)) {
      if (key.toLowerCase() === 'schemas') continue;
      if (isEnterpriseUrn(key)) {
        apply(doc, op.op, { schema: 'enterprise', attr: '' }, value, id);
        continue;
      }
      apply(doc, op.op, parsePath(key), value, id); // a key may be a path: "name.givenName", emails[type eq "work"].value (Entra ID)
    }
  }
  const ext = doc[ENTERPRISE_SCHEMA] as Json | undefined;
  if (ext !== undefined && Object.keys(ext).length === 0) delete doc[ENTERPRISE_SCHEMA];
}

function apply(doc: Json, op: OpKind, path: PatchPath, value: unknown, id: string): void {
  if (path.schema === 'enterprise') {
    const ext = (doc[ENTERPRISE_SCHEMA] ??= {}) as Json;
    if (path.attr === '') {
      // the whole extension: a remove drops it, an add/replace sets each attribute of the value
      if (op === 'remove') return void delete doc[ENTERPRISE_SCHEMA];
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badValue(`${ENTERPRISE_SCHEMA} must be an object`);
      for (const [k, v] of Object.entries(value as Json)) apply(doc, op, parsePath(`${ENTERPRISE_SCHEMA}:${k}`), v, id);
      return;
    }
    const name = enterpriseAttrName(path.attr);
    if (name === undefined) return; // unknown: ignored
    let v = value;
    if (name === 'manager' && typeof v === 'string') v = { value: v }; // Entra ID sends the manager's id alone
    return applyKind(ext, name, enterpriseAttrKind(name)!, op, path, v);
  }
  const name = userAttrName(path.attr);
  if (name === undefined || name === 'password' || name === 'schemas') return;
  if (name === 'id') {
    if (op !== 'remove' && value === id && path.sub === undefined && path.filter === undefined) return;
    throw immutable('id cannot be changed');
  }
  if (name === 'groups' || name === 'meta') throw immutable(`${name} is read-only`);
  const kind = CORE_KINDS[name] ?? userAttrKind(name);
  if (kind === undefined) return;
  applyKind(doc, name, kind, op, path, value);
}

function applyKind(container: Json, name: string, kind: Kind, op: OpKind, path: PatchPath, value: unknown): void {
  if (kind.t === 'string' || kind.t === 'boolean') {
    if (path.filter !== undefined || path.sub !== undefined) throw badPath(`${name} has no sub-attributes`);
    if (op === 'remove' || value === null) delete container[name];
    else container[name] = value;
    return;
  }
  if (kind.t === 'complex') {
    if (path.filter !== undefined) throw badPath(`${name} is not multi-valued`);
    if (path.sub !== undefined) {
      const sub = canonicalSub(kind.subs, path.sub);
      if (sub === undefined) return;
      const obj = asObject(container[name]);
      if (op === 'remove' || value === null) delete obj[sub];
      else obj[sub] = value;
      setOrDrop(container, name, obj);
      return;
    }
    if (op === 'remove' || value === null) return void delete container[name];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badValue(`${name} must be an object`);
    // RFC 7644 3.5.2.1/3: the sub-attributes given replace theirs; the others stay
    setOrDrop(container, name, { ...asObject(container[name]), ...canonical(kind.subs, value as Json) });
    return;
  }
  // multi-valued complex
  let list = Array.isArray(container[name]) ? (container[name] as Json[]).map((e) => ({ ...e })) : [];
  if (path.filter !== undefined) {
    const fAttr = canonicalSub(kind.subs, path.filter.attr);
    if (fAttr === undefined) throw badPath(`${name} has no sub-attribute "${path.filter.attr.slice(0, 50)}"`);
    const matches = list.filter((e) => same(e[fAttr], path.filter!.value));
    if (path.sub !== undefined) {
      const sub = canonicalSub(kind.subs, path.sub);
      if (sub === undefined) return;
      if (op === 'remove') for (const e of matches) delete e[sub];
      else if (matches.length > 0) for (const e of matches) e[sub] = value;
      else list.push({ [fAttr]: path.filter.value, [sub]: value });
    } else if (op === 'remove') {
      list = list.filter((e) => !matches.includes(e));
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badValue(`${name}[...] must be an object`);
      const v = canonical(kind.subs, value as Json);
      if (matches.length > 0) for (const e of matches) Object.assign(e, v);
      else list.push({ [fAttr]: path.filter.value, ...v });
    }
  } else if (path.sub !== undefined) {
    throw badPath(`${name} is multi-valued: name the value with a filter, e.g. ${name}[type eq "work"].${path.sub}`);
  } else if (op === 'remove') {
    if (value === undefined || value === null) list = [];
    else {
      const gone = (Array.isArray(value) ? value : [value]).map((x) => (x !== null && typeof x === 'object' ? canonical(kind.subs, x as Json).value : x));
      list = list.filter((e) => !gone.some((g) => same(e.value, g)));
    }
  } else {
    const items = (Array.isArray(value) ? value : [value]).map((x) => {
      if (x === null || typeof x !== 'object' || Array.isArray(x)) throw badValue(`${name} values must be objects`);
      return canonical(kind.subs, x as Json);
    });
    list = op === 'replace' ? items : [...list, ...items];
  }
  // one primary at most: the one set last wins (RFC 7643 2.4)
  const primaries = list.filter((e) => e.primary === true);
  for (const e of primaries.slice(0, -1)) e.primary = false;
  setOrDrop(container, name, list.length === 0 ? undefined : list);
}

function canonicalSub(subs: Record<string, Kind>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(subs).find((k) => k.toLowerCase() === lower);
}

/** A fresh object with the known sub-attributes only, under their canonical names (never __proto__ & co). */
function canonical(subs: Record<string, Kind>, v: Json): Json {
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    const name = canonicalSub(subs, k);
    if (name !== undefined) out[name] = x;
  }
  return out;
}

function asObject(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Json) } : {};
}

function setOrDrop(container: Json, name: string, v: unknown): void {
  if (v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)) delete container[name];
  else container[name] = v;
}

/** Filter comparison: strings case-insensitively (caseExact false for these attributes), others exactly. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}
