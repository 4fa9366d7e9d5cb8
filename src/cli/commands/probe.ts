import { InvalidArgumentError, type Command } from 'commander';

const DEFAULT_URL = 'http://127.0.0.1:8080/.airlock/healthz';

function parseUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an absolute http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('must be an http or https URL');
  return u.href;
}

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 60_000) throw new InvalidArgumentError('must be a whole number of milliseconds from 100 to 60000');
  return n;
}

/**
 * `airlock probe`: a health check for images without a shell or curl (the Dockerfile's HEALTHCHECK). Exit 0 when
 * the URL answers 200, 1 otherwise (with the reason on stderr).
 */
export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('exit 0 when the gateway answers its health endpoint with 200 (for container health checks)')
    .option('--url <url>', `health URL (default ${DEFAULT_URL}, or AIRLOCK_PROBE_URL)`, parseUrl)
    .option('--timeout <ms>', 'give up after this many milliseconds', parseTimeout, 3000)
    .action(async (opts: { url?: string; timeout: number }) => {
      const url = opts.url ?? (process.env.AIRLOCK_PROBE_URL ? parseUrl(process.env.AIRLOCK_PROBE_URL) : DEFAULT_URL);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeout), redirect: 'manual' });
        await res.body?.cancel();
        if (res.status === 200) return;
        process.stderr.write(`airlock probe: ${url} answered ${res.status}\n`);
      } catch (err) {
        const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
        const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (err as Error).message;
        const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${opts.timeout} ms` : detail;
        process.stderr.write(`airlock probe: ${url}: ${reason}\n`);
      }
      process.exitCode = 1;
    });
}
