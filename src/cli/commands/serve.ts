import type { Command } from 'commander';
import { ConfigError, formatProblems, resolveConfigPath } from '../../config/index.ts';
import { startGateway } from '../../server/index.ts';
import { parseWorkers } from './options.ts';

/** How long a stop requested during start-up waits for the gateway to finish starting (then exit 1). */
const STOP_DURING_START_MS = 30_000;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the gateway')
    .option('-c, --config <path>', 'config file (default: $AIRLOCK_CONFIG or ./airlock.yaml)')
    .option('-w, --workers <n>', 'worker processes: a number or "auto" (one per usable CPU, cgroup quota included); default from config', parseWorkers)
    .action(async (opts: { config?: string; workers?: number | 'auto' }) => {
      const configPath = resolveConfigPath(opts.config);
      // SIGTERM/SIGINT are handled from the start: one that arrives while the workers are still starting stops the
      // gateway as soon as they are up (the ones already serving write their audit queues first), instead of
      // killing the primary and, with it, workers that hold unwritten read events. A second signal is ignored.
      let gw: Awaited<ReturnType<typeof startGateway>> | undefined;
      let stopping = false;
      const close = (g: NonNullable<typeof gw>) => void g.close().then(() => process.exit(0), () => process.exit(1));
      const stop = () => {
        if (stopping) return;
        stopping = true;
        if (gw) return close(gw);
        setTimeout(() => {
          process.stderr.write(`airlock: stop requested during start-up; the gateway did not finish starting within ${STOP_DURING_START_MS / 1000} s\n`);
          process.exit(1);
        }, STOP_DURING_START_MS).unref();
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      try {
        gw = await startGateway({ configPath, ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
        if (stopping) close(gw);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`airlock: invalid config ${configPath}\n${formatProblems(err.problems)}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
    });
}
