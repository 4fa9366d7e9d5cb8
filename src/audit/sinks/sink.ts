import type { AuditRecord } from '../event.ts';

/** A live copy of the trail outside the store. write() never blocks and never throws; close() drains. */
export interface AuditSink {
  readonly name: string;
  write(records: readonly AuditRecord[]): void;
  close(): Promise<void>;
}
