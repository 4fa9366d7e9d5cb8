import type { Command } from 'commander';
import { ConfigError, formatProblems, loadConfig, resolveConfigPath, summarizeConfig } from '../../config/index.ts';

/**
 * `airlock check-config [--config path]`: validates the config. Prints every problem (one a line) to stderr and
 * sets exit code 2, or prints a short summary (no secrets) to stdout.
 */
export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('validate the config file and print every problem, or a short summary')
    .option('--config <path>', 'config file (default: $AIRLOCK_CONFIG, then ./airlock.yaml)')
    .action(async (opts: { config?: string }) => {
      let path: string;
      try {
        path = resolveConfigPath(opts.config);
      } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const cfg = await loadConfig(path);
        process.stdout.write(`${summarizeConfig(cfg, path)}\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${path}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n${formatProblems(err.problems)}\n`);
        process.exitCode = 2;
      }
    });
}
