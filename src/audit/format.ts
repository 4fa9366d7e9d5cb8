import type { AuditRecord } from './event.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const COLUMNS: ReadonlyArray<readonly [string, (r: AuditRecord) => string]> = [
  ['time', (r) => new Date(r.event.time).toISOString()],
  ['seq', (r) => String(r.seq)],
  ['type', (r) => r.event.type],
  ['user', (r) => r.event.actor?.username ?? ''],
  ['kind', (r) => r.event.actor?.kind ?? ''],
  ['env', (r) => r.event.env ?? ''],
  ['method', (r) => r.event.method ?? ''],
  ['path', (r) => r.event.path ?? ''],
  ['action', (r) => r.event.action ?? ''],
  ['dags', (r) => (r.event.dag_ids ?? []).join(' ')],
  ['decision', (r) => r.event.decision ?? ''],
  ['reasons', (r) => (r.event.reasons ?? []).join(' ')],
  ['status', (r) => (r.event.upstream_status ?? r.event.status ?? '').toString()],
  ['credential', (r) => r.event.actor?.credential_id ?? (r.event.actor?.token_id ? `token:${r.event.actor.token_id}` : '')],
  ['session', (r) => r.event.actor?.session_id ?? ''],
  ['client_ip', (r) => r.event.client_ip ?? ''],
  ['request_id', (r) => r.event.request_id ?? ''],
];

/** Renders query results: an aligned text table, a JSON array, or CSV (RFC 4180, spreadsheet-formula safe). */
export function formatRecords(records: readonly AuditRecord[], format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(records.map((r) => ({ seq: r.seq, hash: r.hash, event: r.event })), null, 2)}\n`;
    case 'csv':
      return [COLUMNS.map(([h]) => h), ...records.map((r) => COLUMNS.map(([, f]) => f(r)))].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
    case 'table':
      return table(records);
    default:
      throw new TypeError(`unknown format ${String(format)}`);
  }
}

function table(records: readonly AuditRecord[]): string {
  const used = COLUMNS.filter(([h], i) => h === 'time' || h === 'user' || h === 'decision' || records.some((r) => COLUMNS[i]![1](r) !== ''));
  const rows = [used.map(([h]) => h.toUpperCase()), ...records.map((r) => used.map(([, f]) => tableCell(f(r))))];
  const widths = used.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  lines.push(`(${records.length} event${records.length === 1 ? '' : 's'})`);
  return `${lines.join('\n')}\n`;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** One line, no terminal escapes, bounded width. */
function tableCell(s: string): string {
  const t = s.replace(CONTROL, '?');
  return t.length > 60 ? `${t.slice(0, 59)}…` : t;
}

/** Quotes when needed; a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading '. */
function csvCell(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}
