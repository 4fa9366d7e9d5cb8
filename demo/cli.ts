/**
 * `npm run demo`: the repository-only entry of the demo (the dev IdP and the Airflow stand-ins are not part of
 * the product, so the `airlock` command does not carry them; see docs/development.md).
 *   node --import tsx demo/cli.ts [--port 8080] [--idp-port 8081] [--workers N]
 */
import { Command, InvalidArgumentError } from 'commander';
import { startDemo } from './run.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

function workers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('must be a whole number from 1 to 256');
  return n;
}

const program = new Command('npm run demo --')
  .description('run the gateway with an embedded dev IdP and Airflow stand-ins on http://localhost:8080')
  .option('-p, --port <port>', 'gateway port', port, 8080)
  .option('--idp-port <port>', 'dev IdP port', port, 8081)
  .option('-w, --workers <n>', 'gateway worker processes', workers)
  .showHelpAfterError()
  .action(async (opts: { port: number; idpPort: number; workers?: number }) => {
    const demo = await startDemo({ port: opts.port, idpPort: opts.idpPort, ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
    const stop = () => void demo.close().then(() => process.exit(0), () => process.exit(1));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

await program.parseAsync(process.argv);
