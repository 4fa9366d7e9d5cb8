import type { Command } from 'commander';
import { ConfigError, formatProblems, resolveConfigPath } from '../../config/index.ts';
import { startGateway } from '../../server/index.ts';
import { parseWorkers } from './options.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the gateway')
    .option('-c, --config <path>', 'config file (default: $AIRLOCK_CONFIG or ./airlock.yaml)')
    .option('-w, --workers <n>', 'worker processes: a number or "auto" (one per usable CPU, cgroup quota included); default from config', parseWorkers)
    .action(async (opts: { config?: string; workers?: number | 'auto' }) => {
      const configPath = resolveConfigPath(opts.config);
      try {
        const gw = await startGateway({ configPath, ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
        // a second signal while stopping is ignored: the workers are still writing their audit queues
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          void gw.close().then(() => process.exit(0), () => process.exit(1));
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
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
