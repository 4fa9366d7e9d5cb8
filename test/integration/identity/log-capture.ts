import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { createLogger, type Logger } from '../../../src/server/logger.ts';

export interface LogCapture {
  readonly logger: Logger;
  /** Everything written so far (after letting batched access lines out). */
  text(): Promise<string>;
  /** The JSON log entries so far. */
  entries(): Promise<Array<Record<string, unknown>>>;
}

/** A real pino logger of the gateway (createLogger) writing into memory, at `level` (default trace: everything). */
export function captureLog(level = 'trace'): LogCapture {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level, destination });
  const text = async () => {
    await tick();
    await tick();
    return chunks.join('');
  };
  return {
    logger,
    text,
    async entries() {
      return (await text())
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}
