import { randomUUID } from 'node:crypto';
import type { ScimConfig } from '../config/index.ts';
import { StoreUnavailable, type ScimGroupRow, type ScimMatch, type ScimUserRow, type Store } from '../store/index.ts';
import { badValue, immutable, notFound, notUnique } from './errors.ts';
import { parseFilter, parsePaging } from './filter.ts';
import { parseGroup, renderGroup, type GroupDocument } from './group-resource.ts';
import { parsePatch } from './patch-op.ts';
import { patchGroup } from './patch-group.ts';
import { patchUser } from './patch-user.ts';
import { listResponse } from './schemas.ts';
import { parseUser, renderUser, userDocument } from './user-resource.ts';

type Json = Record<string, unknown>;

/** What happened to one person's SCIM state (the server turns it into session and token effects). */
export interface PersonChange {
  readonly userId: string;
  readonly userName: string;
  /** The keys (config scim.match) the person is matched by, before and after the change. */
  readonly keys: readonly string[];
  /** Created by this request (their groups start to come from SCIM). */
  readonly created: boolean;
  /** After the change: false when deactivated or deleted. */
  readonly active: boolean;
  readonly deleted: boolean;
  readonly groupsBefore: readonly string[];
  readonly groupsAfter: readonly string[];
}

export interface ScimResult {
  readonly status: number;
  readonly body?: Json;
  /** For the audit event. */
  readonly audit?: { readonly action: 'create' | 'replace' | 'patch' | 'delete'; readonly resource: 'User' | 'Group'; readonly id: string; readonly name: string };
  /** People whose access must follow this change. */
  readonly changes: readonly PersonChange[];
}

/** A conditional write lost to a concurrent one is retried this often before giving up (503). */
const RETRIES = 8;

/**
 * SCIM 2.0 Users and Groups on the store (RFC 7643, RFC 7644): parses and checks what the IdP sends, writes it,
 * and reports which people's access changed. No HTTP here (src/server/endpoints/scim.ts) and no effects: the
 * caller ends sessions and tokens from `changes`.
 */
export class ScimService {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(opts: { store: Store; now?: () => number }) {
    if (typeof opts?.store?.scim?.getUser !== 'function') throw new TypeError('ScimService: store is required');
    this.#store = opts.store;
    this.#now = opts.now ?? Date.now;
  }

  // ---- Users

  async listUsers(params: URLSearchParams, base: string): Promise<ScimResult> {
    const filter = parseFilter(params.get('filter'), 'Users');
    const page = parsePaging(params);
    const { total, rows } = await this.#store.scim.listUsers(filter, page.offset, page.count);
    const groups = await this.#store.scim.groupsOfUsers(rows.map((r) => r.id));
    const resources = rows.map((r) => project(renderUser(r, groups.get(r.id) ?? [], base), params));
    return { status: 200, body: listResponse(resources, total, page.startIndex), changes: [] };
  }

  async getUser(id: string, params: URLSearchParams, base: string): Promise<ScimResult> {
    const row = await this.#user(id);
    const groups = await this.#store.scim.groupsOfUsers([id]);
    return { status: 200, body: project(renderUser(row, groups.get(id) ?? [], base), params), changes: [] };
  }

  async createUser(body: unknown, cfg: ScimConfig, base: string): Promise<ScimResult> {
    const { values } = parseUser(body);
    const id = randomUUID();
    const row = await this.#store.scim.insertUser(id, values, this.#now());
    if (row === 'conflict') throw notUnique(`a user with userName "${values.userName.slice(0, 200)}" exists`);
    const change: PersonChange = { userId: id, userName: row.userName, keys: keysOf([row], cfg.match), created: true, active: row.active, deleted: false, groupsBefore: [], groupsAfter: [] };
    return { status: 201, body: renderUser(row, [], base), audit: { action: 'create', resource: 'User', id, name: row.userName }, changes: [change] };
  }

  async replaceUser(id: string, body: unknown, cfg: ScimConfig, base: string): Promise<ScimResult> {
    const parsed = parseUser(body);
    if (parsed.id !== undefined && parsed.id !== id) throw immutable('id cannot be changed');
    return this.#writeUser(id, cfg, base, 'replace', () => parsed.values);
  }

  async patchUser(id: string, body: unknown, cfg: ScimConfig, base: string): Promise<ScimResult> {
    const ops = parsePatch(body);
    return this.#writeUser(id, cfg, base, 'patch', (current) => {
      const doc = userDocument(current);
      patchUser(doc, ops, id);
      return parseUser(doc).values;
    });
  }

  async deleteUser(id: string, cfg: ScimConfig): Promise<ScimResult> {
    const groups = (await this.#store.scim.groupsOfUsers([id])).get(id) ?? [];
    const row = await this.#store.scim.deleteUser(id, this.#now());
    if (row === undefined) throw notFound('User');
    const names = groups.map((g) => g.displayName);
    const change: PersonChange = { userId: id, userName: row.userName, keys: keysOf([row], cfg.match), created: false, active: false, deleted: true, groupsBefore: names, groupsAfter: [] };
    return { status: 204, audit: { action: 'delete', resource: 'User', id, name: row.userName }, changes: [change] };
  }

  async #writeUser(id: string, cfg: ScimConfig, base: string, action: 'replace' | 'patch', next: (current: ScimUserRow) => ReturnType<typeof parseUser>['values']): Promise<ScimResult> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const current = await this.#user(id);
      const values = next(current);
      const row = await this.#store.scim.updateUser(id, current.version, values, this.#now());
      if (row === 'stale') continue;
      if (row === 'not_found') throw notFound('User');
      if (row === 'conflict') throw notUnique(`a user with userName "${values.userName.slice(0, 200)}" exists`);
      const groups = (await this.#store.scim.groupsOfUsers([id])).get(id) ?? [];
      const names = groups.map((g) => g.displayName);
      const change: PersonChange = { userId: id, userName: row.userName, keys: keysOf([current, row], cfg.match), created: false, active: row.active, deleted: false, groupsBefore: names, groupsAfter: names };
      return { status: 200, body: renderUser(row, groups, base), audit: { action, resource: 'User', id, name: row.userName }, changes: [change] };
    }
    throw StoreUnavailable.create({ logMessage: `SCIM: user ${id} kept changing under ${RETRIES} attempts` });
  }

  async #user(id: string): Promise<ScimUserRow> {
    const row = isId(id) ? await this.#store.scim.getUser(id) : undefined;
    if (row === undefined) throw notFound('User');
    return row;
  }

  // ---- Groups

  async listGroups(params: URLSearchParams, base: string): Promise<ScimResult> {
    const filter = parseFilter(params.get('filter'), 'Groups');
    const page = parsePaging(params);
    const { total, rows } = await this.#store.scim.listGroups(filter, page.offset, page.count);
    const members = wantsMembers(params) ? await this.#store.scim.membersOf(rows.map((r) => r.id)) : undefined;
    const resources = rows.map((r) => project(renderGroup(r, members ? (members.get(r.id) ?? []) : undefined, base), params));
    return { status: 200, body: listResponse(resources, total, page.startIndex), changes: [] };
  }

  async getGroup(id: string, params: URLSearchParams, base: string): Promise<ScimResult> {
    const row = await this.#group(id);
    const members = wantsMembers(params) ? ((await this.#store.scim.membersOf([id])).get(id) ?? []) : undefined;
    return { status: 200, body: project(renderGroup(row, members, base), params), changes: [] };
  }

  async createGroup(body: unknown, cfg: ScimConfig, base: string): Promise<ScimResult> {
    const g = parseGroup(body);
    await this.#checkMembers(g.members);
    const id = randomUUID();
    const row = await this.#store.scim.insertGroup(id, { displayName: g.displayName, externalId: g.externalId }, g.members, this.#now());
    if (row === 'conflict') throw notUnique(`a group with displayName "${g.displayName.slice(0, 200)}" exists`);
    const changes = await this.#memberChanges(cfg, new Set(), new Set(g.members), new Set(), undefined, row.displayName);
    const members = (await this.#store.scim.membersOf([id])).get(id) ?? [];
    return { status: 201, body: renderGroup(row, members, base), audit: { action: 'create', resource: 'Group', id, name: row.displayName }, changes };
  }

  async replaceGroup(id: string, body: unknown, cfg: ScimConfig, base: string): Promise<ScimResult> {
    const g = parseGroup(body);
    if (g.id !== undefined && g.id !== id) throw immutable('id cannot be changed');
    return this.#writeGroup(id, cfg, base, 'replace', (doc) => {
      doc.displayName = g.displayName;
      doc.externalId = g.externalId;
      doc.members = new Set(g.members);
      return new Set<string>();
    });
  }

  async patchGroup(id: string, body: unknown, cfg: ScimConfig, base: string): Promise<ScimResult> {
    const ops = parsePatch(body);
    return this.#writeGroup(id, cfg, base, 'patch', (doc) => patchGroup(doc, ops, id));
  }

  async deleteGroup(id: string, cfg: ScimConfig): Promise<ScimResult> {
    if (!isId(id)) throw notFound('Group');
    const gone = await this.#store.scim.deleteGroup(id);
    if (gone === undefined) throw notFound('Group');
    const changes = await this.#memberChanges(cfg, new Set(gone.memberIds), new Set(), new Set(), gone.row.displayName, undefined);
    return { status: 204, audit: { action: 'delete', resource: 'Group', id, name: gone.row.displayName }, changes };
  }

  async #writeGroup(id: string, cfg: ScimConfig, base: string, action: 'replace' | 'patch', change: (doc: GroupDocument) => Set<string>): Promise<ScimResult> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const current = await this.#group(id);
      const before = new Set(((await this.#store.scim.membersOf([id])).get(id) ?? []).map((m) => m.id));
      const doc: GroupDocument = { displayName: current.displayName, externalId: current.externalId, members: new Set(before) };
      const named = change(doc);
      const add = [...doc.members].filter((m) => !before.has(m));
      const remove = [...before].filter((m) => !doc.members.has(m));
      await this.#checkMembers(add);
      const row = await this.#store.scim.updateGroup(id, current.version, { displayName: doc.displayName!, externalId: doc.externalId }, add, remove, this.#now());
      if (row === 'stale') continue;
      if (row === 'not_found') throw notFound('Group');
      if (row === 'conflict') throw notUnique(`a group with displayName "${doc.displayName!.slice(0, 200)}" exists`);
      const changes = await this.#memberChanges(cfg, before, doc.members, named, current.displayName, row.displayName);
      const members = (await this.#store.scim.membersOf([id])).get(id) ?? [];
      return { status: 200, body: renderGroup(row, members, base), audit: { action, resource: 'Group', id, name: row.displayName }, changes };
    }
    throw StoreUnavailable.create({ logMessage: `SCIM: group ${id} kept changing under ${RETRIES} attempts` });
  }

  /**
   * The people a group change touches: who joined or left, who an operation named (so a retried request still
   * reaches them), and every member when the group was renamed. Their groups before are worked out from after.
   */
  async #memberChanges(cfg: ScimConfig, before: ReadonlySet<string>, after: ReadonlySet<string>, named: ReadonlySet<string>, oldName: string | undefined, newName: string | undefined): Promise<PersonChange[]> {
    const renamed = oldName !== undefined && newName !== undefined && oldName !== newName;
    const touched = new Set<string>([...named]);
    for (const m of before) if (!after.has(m) || renamed) touched.add(m);
    for (const m of after) if (!before.has(m)) touched.add(m);
    if (touched.size === 0) return [];
    const ids = [...touched];
    const rows = (await Promise.all(ids.map((u) => this.#store.scim.getUser(u)))).filter((r): r is ScimUserRow => r !== undefined);
    const groups = await this.#store.scim.groupsOfUsers(rows.map((r) => r.id));
    return rows.map((r) => {
      const now = (groups.get(r.id) ?? []).map((g) => g.displayName);
      const prior = now.filter((g) => !(after.has(r.id) && g === newName));
      if (before.has(r.id) && oldName !== undefined) prior.push(oldName);
      return { userId: r.id, userName: r.userName, keys: keysOf([r], cfg.match), created: false, active: r.active, deleted: false, groupsBefore: [...new Set(prior)].sort(), groupsAfter: [...now].sort() };
    });
  }

  async #checkMembers(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const live = await this.#store.scim.liveUserIds(ids.filter(isId));
    const unknown = ids.find((m) => !live.has(m));
    if (unknown !== undefined) throw badValue(`member "${unknown.slice(0, 100)}" is not a user`);
  }

  async #group(id: string): Promise<ScimGroupRow> {
    const row = isId(id) ? await this.#store.scim.getGroup(id) : undefined;
    if (row === undefined) throw notFound('Group');
    return row;
  }
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Airlock's SCIM ids are lower-case UUIDs; anything else is no resource (404) without a store read. */
export function isId(id: string): boolean {
  return ID.test(id);
}

function keysOf(rows: readonly ScimUserRow[], match: ScimMatch): string[] {
  const keys = rows.map((r) => (match === 'userName' ? r.userName : match === 'email' ? r.emailKey : r.externalId)).filter((k): k is string => typeof k === 'string' && k !== '');
  return [...new Set(keys)];
}

const listParam = (params: URLSearchParams, name: string): Set<string> | undefined => {
  const v = params.get(name);
  if (v === null) return undefined;
  return new Set(v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));
};

function wantsMembers(params: URLSearchParams): boolean {
  const excluded = listParam(params, 'excludedAttributes');
  const only = listParam(params, 'attributes');
  return !excluded?.has('members') && (only === undefined || only.has('members'));
}

/** `attributes` / `excludedAttributes` (RFC 7644 3.4.2.5) on top-level attributes; id, schemas and meta always stay. */
function project(resource: Json, params: URLSearchParams): Json {
  const excluded = listParam(params, 'excludedAttributes');
  const only = listParam(params, 'attributes');
  if (excluded === undefined && only === undefined) return resource;
  const out: Json = {};
  for (const [k, v] of Object.entries(resource)) {
    const key = k.toLowerCase();
    const always = key === 'id' || key === 'schemas' || key === 'meta';
    if (!always && only !== undefined && !only.has(key)) continue;
    if (!always && excluded?.has(key)) continue;
    out[k] = v;
  }
  return out;
}
