/**
 * The audit tables (owned by src/audit). `audit_events` is an append-only hash chain: `seq` is the position,
 * `body` the canonical JSON of the event, `hash` = SHA-256(prev_hash, seq, body). The other columns are copies of
 * body fields for queries; `airlock audit verify` checks they agree with the body.
 */
export interface AuditEventsTable {
  seq: number;
  id: string;
  time: number;
  type: string;
  request_id: string | null;
  sub: string | null;
  username: string | null;
  env: string | null;
  action: string | null;
  resource: string | null;
  decision: string | null;
  /** ",dag_a,dag_b," (DAG ids never contain a comma), or null. */
  dags: string | null;
  status: number | null;
  body: string;
  prev_hash: string;
  hash: string;
}

/** Signed anchors: an ES256 JWS over {seq, hash, time} by the gateway key `kid`. */
export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  time: number;
  kid: string;
  jws: string;
}

/** Public keys that signed checkpoints, kept after they leave signing_keys so old checkpoints still verify. */
export interface AuditKeysTable {
  kid: string;
  /** JSON text of the public JWK. */
  public_jwk: string;
  created_at: number;
}

export interface AuditTables {
  audit_events: AuditEventsTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_keys: AuditKeysTable;
}
