import { badPath, badValue, immutable } from './errors.ts';
import { groupDisplayName, groupExternalId, memberIds, type GroupDocument } from './group-resource.ts';
import type { OpKind, PatchOperation, PatchPath } from './patch-op.ts';

/**
 * Applies PATCH operations to a group in place, in the forms Okta and Entra ID send: `members` add / remove with a
 * value list (Entra ID removes this way), `members[value eq "<id>"]` remove (Okta, Entra ID), `members` replace,
 * `displayName` / `externalId` replace, and no-path value objects (Okta renames with `{ id, displayName }`; `id`
 * may be given with its current value). Returns every user id an operation named (for the effects).
 */
export function patchGroup(doc: GroupDocument, ops: readonly PatchOperation[], id: string): Set<string> {
  const named = new Set<string>();
  for (const op of ops) {
    if (op.path !== undefined) {
      apply(doc, op.op, op.path, op.value, id, named);
      continue;
    }
    for (const [key, value] of Object.entries(op.value as Record<string, unknown>)) {
      if (key.toLowerCase() === 'schemas') continue;
      apply(doc, op.op, { schema: 'core', attr: key }, value, id, named);
    }
  }
  return named;
}

function apply(doc: GroupDocument, op: OpKind, path: PatchPath, value: unknown, id: string, named: Set<string>): void {
  if (path.schema !== 'core') throw badPath('groups have no enterprise extension');
  const attr = path.attr.toLowerCase();
  const plain = path.filter === undefined && path.sub === undefined;
  switch (attr) {
    case 'id':
      if (op !== 'remove' && plain && value === id) return;
      throw immutable('id cannot be changed');
    case 'meta':
      throw immutable('meta is read-only');
    case 'displayname':
      if (!plain) throw badPath('displayName has no sub-attributes');
      if (op === 'remove') throw badValue('displayName is required');
      doc.displayName = groupDisplayName(value);
      return;
    case 'externalid':
      if (!plain) throw badPath('externalId has no sub-attributes');
      doc.externalId = op === 'remove' ? null : groupExternalId(value);
      return;
    case 'members':
      return members(doc, op, path, value, named);
    default:
      return; // an attribute Airlock does not keep (e.g. description): ignored
  }
}

function members(doc: GroupDocument, op: OpKind, path: PatchPath, value: unknown, named: Set<string>): void {
  if (path.sub !== undefined) throw badPath('members: name a member with members[value eq "<id>"]');
  if (path.filter !== undefined) {
    if (path.filter.attr.toLowerCase() !== 'value' || typeof path.filter.value !== 'string') throw badPath('members can be filtered by value only: members[value eq "<id>"]');
    if (op !== 'remove') throw badPath('add or replace members with path "members" and a list of { value }');
    named.add(path.filter.value);
    doc.members.delete(path.filter.value);
    return;
  }
  if (op === 'remove') {
    if (value === undefined || value === null) {
      for (const m of doc.members) named.add(m);
      doc.members.clear();
      return;
    }
    for (const m of memberIds(value)) {
      named.add(m);
      doc.members.delete(m);
    }
    return;
  }
  const ids = memberIds(value);
  for (const m of ids) named.add(m);
  if (op === 'replace') doc.members.clear(); // who left is found by the caller's before/after comparison
  for (const m of ids) doc.members.add(m);
}
