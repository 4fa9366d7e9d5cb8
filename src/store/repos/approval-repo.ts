import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../database.ts';
import { guarded, StoreCorruptRow } from '../errors.ts';
import { parseJsonColumn } from '../json.ts';
import type { ApprovalsTable } from '../tables/approvals.ts';

export type ApprovalStatus = 'pending' | 'executing' | 'executed' | 'failed' | 'denied';

export interface ApprovalRequester {
  readonly kind: 'person' | 'service' | 'agent';
  readonly sub: string;
  readonly username: string;
  readonly tokenName: string | null;
  readonly owner: { readonly sub: string; readonly username: string } | null;
}

export interface ApprovalClient {
  readonly ip: string;
  readonly proto: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

export interface ApprovalPerson {
  readonly sub: string;
  readonly username: string;
}

/** A held request as stored. The body is the verbatim bytes; times are epoch ms. */
export interface ApprovalRow {
  readonly id: string;
  readonly status: ApprovalStatus;
  readonly requestId: string;
  readonly tokenId: string;
  readonly requester: ApprovalRequester;
  readonly env: string;
  readonly method: string;
  readonly rawUrl: string;
  readonly client: ApprovalClient;
  readonly host: string;
  readonly target: string;
  readonly action: string;
  readonly dagIds: readonly string[];
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  readonly bodySha256: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedBy: ApprovalPerson | null;
  readonly decidedAt: number | null;
  readonly executedAt: number | null;
  readonly upstreamStatus: number | null;
  readonly upstreamBody: Buffer | null;
  readonly upstreamContentType: string | null;
  readonly error: string | null;
}

export type NewApprovalRow = Omit<ApprovalRow, 'status' | 'decidedBy' | 'decidedAt' | 'executedAt' | 'upstreamStatus' | 'upstreamBody' | 'upstreamContentType' | 'error'>;

export interface ExecutionResult {
  readonly status: 'executed' | 'failed';
  readonly upstreamStatus: number | null;
  readonly upstreamBody: Buffer | null;
  readonly upstreamContentType: string | null;
  readonly error: string | null;
}

export interface ApprovalRepo {
  insert(row: NewApprovalRow): Promise<void>;
  get(id: string): Promise<ApprovalRow | undefined>;
  /**
   * Compare-and-swap pending -> executing (approve) or pending -> denied, only while not expired at `now`.
   * True for exactly one caller: a second approval, another worker or a replay finds the row no longer pending.
   */
  decide(id: string, to: 'executing' | 'denied', by: ApprovalPerson, now: number): Promise<boolean>;
  /** executing -> executed | failed with the upstream's answer. True when this call recorded it. */
  finish(id: string, result: ExecutionResult, at: number): Promise<boolean>;
}

const STATUSES = ['pending', 'executing', 'executed', 'failed', 'denied'] as const;
const strings = z.array(z.string());
const headerPairs = z.array(z.tuple([z.string(), z.string()]));
const person = z.strictObject({ sub: z.string(), username: z.string() });
const client = z.strictObject({ ip: z.string(), proto: z.enum(['http', 'https']), host: z.string(), port: z.number() });
const requester = z.strictObject({
  kind: z.enum(['person', 'service', 'agent']),
  sub: z.string(),
  username: z.string(),
  tokenName: z.string().nullable(),
  owner: person.nullable(),
});

export function approvalRepo(db: Kysely<Database>): ApprovalRepo {
  return {
    insert: (r) =>
      guarded('approvals.insert', async () => {
        await db
          .insertInto('approvals')
          .values({
            id: r.id,
            status: 'pending',
            request_id: r.requestId,
            token_id: r.tokenId,
            requester: JSON.stringify(r.requester),
            env: r.env,
            method: r.method,
            raw_url: r.rawUrl,
            client: JSON.stringify(r.client),
    host: r.host,
            target: r.target,
            action: r.action,
            dag_ids: JSON.stringify(r.dagIds),
            headers: JSON.stringify(r.headers),
            body: r.body.toString('base64'),
            body_sha256: r.bodySha256,
            created_at: r.createdAt,
            expires_at: r.expiresAt,
            decided_by: null,
            decided_at: null,
            executed_at: null,
            upstream_status: null,
            upstream_body: null,
            upstream_content_type: null,
            error: null,
          })
          .execute();
      }),
    get: (id) =>
      guarded('approvals.get', async () => {
        const row = await db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : fromRow(row);
      }),
    decide: (id, to, by, now) =>
      guarded('approvals.decide', async () => {
        const r = await db
          .updateTable('approvals')
          .set({ status: to, decided_by: JSON.stringify({ sub: by.sub, username: by.username }), decided_at: now })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where('expires_at', '>', now)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),
    finish: (id, x, at) =>
      guarded('approvals.finish', async () => {
        const r = await db
          .updateTable('approvals')
          .set({
            status: x.status,
            executed_at: at,
            upstream_status: x.upstreamStatus,
            upstream_body: x.upstreamBody === null ? null : x.upstreamBody.toString('base64'),
            upstream_content_type: x.upstreamContentType,
            error: x.error,
          })
          .where('id', '=', id)
          .where('status', '=', 'executing')
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),
  };
}

function fromRow(r: Selectable<ApprovalsTable>): ApprovalRow {
  if (!(STATUSES as readonly string[]).includes(r.status)) throw StoreCorruptRow.create({ logMessage: 'column approvals.status has an unknown value' });
  return {
    id: r.id,
    status: r.status as ApprovalStatus,
    requestId: r.request_id,
    tokenId: r.token_id,
    requester: parseJsonColumn(requester, r.requester, 'approvals.requester'),
    env: r.env,
    method: r.method,
    rawUrl: r.raw_url,
    client: parseJsonColumn(client, r.client, 'approvals.client'),
    host: r.host,
    target: r.target,
    action: r.action,
    dagIds: parseJsonColumn(strings, r.dag_ids, 'approvals.dag_ids'),
    headers: parseJsonColumn(headerPairs, r.headers, 'approvals.headers'),
    body: Buffer.from(r.body, 'base64'),
    bodySha256: r.body_sha256,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    decidedBy: r.decided_by === null ? null : parseJsonColumn(person, r.decided_by, 'approvals.decided_by'),
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    executedAt: r.executed_at === null ? null : Number(r.executed_at),
    upstreamStatus: r.upstream_status === null ? null : Number(r.upstream_status),
    upstreamBody: r.upstream_body === null ? null : Buffer.from(r.upstream_body, 'base64'),
    upstreamContentType: r.upstream_content_type,
    error: r.error,
  };
}
