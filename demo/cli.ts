/**
 * `npm run demo`: the repository-only entry of the demo (the dev IdP and the Airflow stand-ins are not part of
 * the product, so the `airlock` command does not carry them; see docs/development.md).
 *   node --import tsx demo/cli.ts [--port 8080] [--idp-port 8081] [--workers N] [--dir .airlock-demo]
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { parsePort, parseWorkers } from '../src/cli/commands/options.ts';
import { startDemo } from './run.ts';

const program = new Command('npm run demo --')
  .description('run the gateway with an embedded dev IdP and Airflow stand-ins on http://localhost:8080')
  .option('-p, --port <port>', 'gateway port', parsePort, 8080)
  .option('--idp-port <port>', 'dev IdP port', parsePort, 8081)
  .option('-w, --workers <n>', 'gateway worker processes (a number; default 1)', parseWorkers)
  .option('--dir <path>', 'where the config, client secret and SQLite store go (default <repo>/.airlock-demo)')
  .showHelpAfterError()
  .action(async (opts: { port: number; idpPort: number; workers?: number | 'auto'; dir?: string }) => {
    const demo = await startDemo({
      port: opts.port, idpPort: opts.idpPort,
      ...(typeof opts.workers === 'number' ? { workers: opts.workers } : {}),
      ...(opts.dir !== undefined ? { dir: resolve(opts.dir) } : {}),
    });
    const stop = () => void demo.close().then(() => process.exit(0), () => process.exit(1));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

await program.parseAsync(process.argv);
