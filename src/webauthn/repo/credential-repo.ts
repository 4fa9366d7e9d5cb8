import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { guarded, StoreCorruptRow, type Database } from '../../store/index.ts';
import type { WebauthnCredentialsTable } from '../../store/tables/webauthn.ts';

/** A registered security key as Airlock keeps it. Times are epoch ms. */
export interface StoredCredential {
  readonly id: string;
  readonly sub: string;
  readonly userHandle: string;
  readonly publicKey: string;
  readonly alg: number;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly aaguid: string;
  readonly fmt: string;
  readonly name: string;
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  readonly discoverable: boolean;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly disabledAt: number | null;
  readonly disabledReason: string | null;
}

export type NewCredential = Omit<StoredCredential, 'lastUsedAt' | 'disabledAt' | 'disabledReason'>;

export interface CredentialRepo {
  /** False when the id is already registered (to anyone). */
  insert(c: NewCredential): Promise<boolean>;
  get(id: string): Promise<StoredCredential | undefined>;
  /** Every credential of a person, disabled ones included, oldest first. */
  listBySub(sub: string): Promise<StoredCredential[]>;
  /** Every credential (admin listing), oldest first. */
  listAll(limit: number): Promise<StoredCredential[]>;
  /** Records a successful assertion: counter, backup state, last use. False when the row changed meanwhile. */
  recordUse(id: string, expectedCounter: number, u: { counter: number; backedUp: boolean; at: number }): Promise<boolean>;
  disable(id: string, reason: string, at: number): Promise<boolean>;
  rename(id: string, sub: string, name: string): Promise<boolean>;
  remove(id: string, sub: string): Promise<boolean>;
  /** Admin revocation: deletes the credential whoever owns it; returns the removed row. */
  removeAny(id: string): Promise<StoredCredential | undefined>;
}

const transportsSchema = z.array(z.string());

export function credentialRepo(db: Kysely<Database>): CredentialRepo {
  return {
    insert: (c) =>
      guarded('webauthn.credentials.insert', async () => {
        const r = await db
          .insertInto('webauthn_credentials')
          .values({
            id: c.id,
            sub: c.sub,
            user_handle: c.userHandle,
            public_key: c.publicKey,
            alg: c.alg,
            counter: c.counter,
            transports: JSON.stringify(c.transports),
            aaguid: c.aaguid,
            fmt: c.fmt,
            name: c.name,
            backup_eligible: c.backupEligible ? 1 : 0,
            backed_up: c.backedUp ? 1 : 0,
            discoverable: c.discoverable ? 1 : 0,
            created_at: c.createdAt,
            last_used_at: null,
            disabled_at: null,
            disabled_reason: null,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
      }),
    get: (id) =>
      guarded('webauthn.credentials.get', async () => {
        const row = await db.selectFrom('webauthn_credentials').selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : fromRow(row);
      }),
    listBySub: (sub) =>
      guarded('webauthn.credentials.listBySub', async () => {
        const rows = await db.selectFrom('webauthn_credentials').selectAll().where('sub', '=', sub).orderBy('created_at').orderBy('id').execute();
        return rows.map(fromRow);
      }),
    listAll: (limit) =>
      guarded('webauthn.credentials.listAll', async () => {
        const rows = await db.selectFrom('webauthn_credentials').selectAll().orderBy('created_at').orderBy('id').limit(limit).execute();
        return rows.map(fromRow);
      }),
    recordUse: (id, expectedCounter, u) =>
      guarded('webauthn.credentials.recordUse', async () => {
        const r = await db
          .updateTable('webauthn_credentials')
          .set({ counter: u.counter, backed_up: u.backedUp ? 1 : 0, last_used_at: u.at })
          .where('id', '=', id)
          .where('counter', '=', expectedCounter)
          .where('disabled_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),
    disable: (id, reason, at) =>
      guarded('webauthn.credentials.disable', async () => {
        const r = await db
          .updateTable('webauthn_credentials')
          .set({ disabled_at: at, disabled_reason: reason })
          .where('id', '=', id)
          .where('disabled_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),
    rename: (id, sub, name) =>
      guarded('webauthn.credentials.rename', async () => {
        const r = await db.updateTable('webauthn_credentials').set({ name }).where('id', '=', id).where('sub', '=', sub).executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),
    remove: (id, sub) =>
      guarded('webauthn.credentials.remove', async () => {
        const r = await db.deleteFrom('webauthn_credentials').where('id', '=', id).where('sub', '=', sub).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),
    removeAny: (id) =>
      guarded('webauthn.credentials.removeAny', async () => {
        const row = await db.deleteFrom('webauthn_credentials').where('id', '=', id).returningAll().executeTakeFirst();
        return row === undefined ? undefined : fromRow(row);
      }),
  };
}

const num = (v: number | string | bigint): number => Number(v);
const opt = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Selectable<WebauthnCredentialsTable>): StoredCredential {
  return Object.freeze({
    id: r.id,
    sub: r.sub,
    userHandle: r.user_handle,
    publicKey: r.public_key,
    alg: num(r.alg),
    counter: num(r.counter),
    transports: Object.freeze(parseTransports(r.transports)),
    aaguid: r.aaguid,
    fmt: r.fmt,
    name: r.name,
    backupEligible: num(r.backup_eligible) === 1,
    backedUp: num(r.backed_up) === 1,
    discoverable: num(r.discoverable) === 1,
    createdAt: num(r.created_at),
    lastUsedAt: opt(r.last_used_at),
    disabledAt: opt(r.disabled_at),
    disabledReason: r.disabled_reason,
  });
}

function parseTransports(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw StoreCorruptRow.create({ cause, logMessage: 'column webauthn_credentials.transports is not JSON' });
  }
  const parsed = transportsSchema.safeParse(value);
  if (!parsed.success) throw StoreCorruptRow.create({ cause: parsed.error, logMessage: 'column webauthn_credentials.transports has an unexpected shape' });
  return parsed.data;
}
