import type { ConfigHolder } from './holder.ts';

export interface ReloadLogger {
  info: Function;
  error: Function;
}

/**
 * SIGHUP -> holder.reload(), logging the outcome (version and file on success; every problem on failure,
 * which never contains a secret value). Returns a function that removes the handler.
 */
export function installSighupReload(holder: ConfigHolder, log: ReloadLogger): () => void {
  if (!holder || typeof holder.reload !== 'function') throw new TypeError('installSighupReload: holder must be a ConfigHolder');
  if (!log || typeof log.info !== 'function' || typeof log.error !== 'function') throw new TypeError('installSighupReload: log needs info() and error()');
  const onHup = (): void => {
    const before = holder.current.version;
    holder.reload().then(
      (r) => {
        if (r.ok) log.info({ event: 'config.reloaded', version: r.snapshot.version, previous: before, source: r.snapshot.source }, 'config reloaded');
        else log.error({ event: 'config.reload_failed', version: holder.current.version, problems: r.problems }, `config reload failed; keeping version ${holder.current.version}`);
      },
      (err: unknown) => log.error({ event: 'config.reload_failed', version: holder.current.version, error: err instanceof Error ? err.name : 'unknown' }, 'config reload failed'),
    );
  };
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGHUP', onHup);
  };
}
