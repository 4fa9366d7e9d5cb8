/**
 * The `approvals` table: requests of machine tokens held for a person's approval (src/approvals owns what the
 * rows mean). The held body is stored verbatim (base64) with its SHA-256; times are epoch ms.
 */
export interface ApprovalsTable {
  /** Public id, e.g. "apr_…" (status URL, audit). */
  id: string;
  /** pending | executing | executed | failed | denied (expired: pending past expires_at). */
  status: string;
  /** The gateway request id of the held request. */
  request_id: string;
  token_id: string;
  /** JSON text: who asked (kind, sub, username, token name, owner sub/username). */
  requester: string;
  env: string;
  method: string;
  /** The request target as received (re-classified when a person approves). */
  raw_url: string;
  /** JSON text: the client address of the held request {ip, proto, host, port} (X-Forwarded-* when performed). */
  client: string;
  /** The Host header it came with (selects the environment again). */
  host: string;
  /** The canonical target that is forwarded (the env path prefix included). */
  target: string;
  action: string;
  /** JSON text: string[] of DAG ids. */
  dag_ids: string;
  /** JSON text: [name, value][] of the allow-listed request headers replayed with the body. */
  headers: string;
  /** The body, base64 (empty string for none). */
  body: string;
  /** SHA-256 of the body bytes, base64url. */
  body_sha256: string;
  created_at: number;
  expires_at: number;
  /** The person who approved or denied (JSON text {sub, username}), and when. */
  decided_by: string | null;
  decided_at: number | null;
  executed_at: number | null;
  upstream_status: number | null;
  /** The upstream's answer, base64 (bounded), and its content type. */
  upstream_body: string | null;
  upstream_content_type: string | null;
  /** Why execution failed (an error code), for status "failed". */
  error: string | null;
}

export interface ApprovalTables {
  approvals: ApprovalsTable;
}
