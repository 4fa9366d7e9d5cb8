import type { Writable } from 'node:stream';
import { eventLine } from '../lines.ts';
import type { AuditSink } from './sink.ts';

/** JSON Lines on stdout (or another stream), one line per event, in chain order. */
export function stdoutSink(out: Writable = process.stdout): AuditSink {
  return {
    name: 'stdout',
    write(records) {
      if (records.length === 0) return;
      out.write(`${records.map(eventLine).join('\n')}\n`);
    },
    async close() {},
  };
}
