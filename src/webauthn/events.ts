/**
 * WebAuthn events in the shape of the audit trail (docs/audit.md, event type "webauthn"): every enrolment,
 * use, failure, removal and suspected clone. The gateway sends them to the audit trail when it has one and
 * always logs them with the same field names.
 */
export type WebauthnEventKind = 'enrolled' | 'used' | 'failed' | 'renamed' | 'removed' | 'revoked' | 'clone_suspected' | 'disabled';

export interface WebauthnEvent {
  readonly kind: WebauthnEventKind;
  /** The person (absent for a failed passwordless attempt whose key is unknown). */
  readonly sub?: string | undefined;
  readonly username?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly credentialId?: string | undefined;
  /** register | login | step_up | manage | passwordless | admin */
  readonly purpose?: string | undefined;
  /** The refusal code for `failed` / `clone_suspected`. */
  readonly code?: string | undefined;
  readonly aaguid?: string | undefined;
  readonly requestId?: string | undefined;
  /** Extra flat facts (counter values, new name, ...). */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>> | undefined;
}

/** Receives every event. Must not throw. */
export type WebauthnEventSink = (e: WebauthnEvent) => void;

/** The audit-trail form of an event (AuditEventInput of src/audit, type "webauthn"). */
export interface WebauthnAuditInput {
  readonly type: 'webauthn';
  readonly time: number;
  readonly request_id?: string;
  readonly actor?: { readonly kind: 'person'; readonly sub: string; readonly username: string; readonly session_id?: string; readonly credential_id?: string };
  readonly decision: 'allow' | 'deny';
  readonly reasons?: readonly string[];
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
}

const DENY: ReadonlySet<WebauthnEventKind> = new Set(['failed', 'clone_suspected']);

export function toAuditInput(e: WebauthnEvent, now: number): WebauthnAuditInput {
  const detail: Record<string, string | number | boolean | null> = { event: e.kind };
  if (e.purpose !== undefined) detail.purpose = e.purpose;
  if (e.credentialId !== undefined) detail.credential_id = e.credentialId;
  if (e.aaguid !== undefined) detail.aaguid = e.aaguid;
  for (const [k, v] of Object.entries(e.detail ?? {})) detail[k] = v;
  return {
    type: 'webauthn',
    time: now,
    ...(e.requestId === undefined ? {} : { request_id: e.requestId }),
    ...(e.sub === undefined
      ? {}
      : {
          actor: {
            kind: 'person' as const,
            sub: e.sub,
            username: e.username ?? e.sub,
            ...(e.sessionId === undefined ? {} : { session_id: e.sessionId }),
            ...(e.credentialId === undefined ? {} : { credential_id: e.credentialId }),
          },
        }),
    decision: DENY.has(e.kind) ? 'deny' : 'allow',
    ...(e.code === undefined ? {} : { reasons: [e.code] }),
    detail,
  };
}

/** The part of a pino logger the sink uses. */
export interface EventLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Logs each event as `{ audit: <event> }` (error level for a suspected clone, warn for failures). */
export function loggingSink(log: EventLogger, now: () => number = Date.now): WebauthnEventSink {
  return (e) => {
    const audit = toAuditInput(e, now());
    const msg = `webauthn ${e.kind}`;
    if (e.kind === 'clone_suspected') log.error({ audit }, msg);
    else if (e.kind === 'failed') log.warn({ audit }, msg);
    else log.info({ audit }, msg);
  };
}
