import type { Command } from 'commander';
import { parsePort, parseWorkers } from './options.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the gateway with an embedded dev IdP and Airflow stand-ins on http://localhost:8080')
    .option('-p, --port <port>', 'gateway port', parsePort, 8080)
    .option('--idp-port <port>', 'dev IdP port', parsePort, 8081)
    .option('-w, --workers <n>', 'gateway worker processes', parseWorkers)
    .action(async (opts: { port: number; idpPort: number; workers?: number | 'auto' }) => {
      const { startDemo } = await import('../../../demo/run.ts');
      const demo = await startDemo({ port: opts.port, idpPort: opts.idpPort, ...(typeof opts.workers === 'number' ? { workers: opts.workers } : {}) });
      const stop = () => void demo.close().then(() => process.exit(0), () => process.exit(1));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
