import { parseDuration } from '../config/index.ts';
import { AuditBadFilter } from './errors.ts';

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A point in time for --since / --until: a duration back from now ("24h", "7d", "1h30m") or an ISO 8601
 * date or date-time ("2025-06-10", "2025-06-10T09:00:00Z"; a date alone is midnight UTC). Anything else is
 * AIRLOCK_AUDIT_BAD_FILTER.
 */
export function parseTimeFilter(value: string, now: number, flag: string): number {
  const v = value.trim();
  const d = parseDuration(v);
  if (d !== undefined) return now - d;
  if (ISO.test(v)) {
    const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    if (Number.isFinite(t)) return t;
  }
  throw AuditBadFilter.create({ message: `${flag} must be a duration such as 24h or an ISO date such as 2025-06-10 (got "${v.slice(0, 40)}")` });
}
