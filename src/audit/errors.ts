import { defineError } from '../errors/index.ts';

/** The audit store cannot write: the request that needed a durable audit record is refused and never forwarded. */
export const AuditUnavailable = defineError('AIRLOCK_AUDIT_UNAVAILABLE', 503, 'The audit trail cannot be written right now, so this change was not sent. Try again shortly.');

/** A line of an audit export file (for `airlock audit import`) is not a valid record, or does not continue the chain. */
export const AuditImportInvalid = defineError('AIRLOCK_AUDIT_IMPORT_INVALID', 400, 'The audit import file is not a valid Airlock audit export.');

/** An `airlock audit query/export` filter (time, format, decision, …) cannot be understood. */
export const AuditBadFilter = defineError('AIRLOCK_AUDIT_BAD_FILTER', 400, 'The audit query filter is not valid.');
