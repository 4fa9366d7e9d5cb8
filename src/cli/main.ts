import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerCheckConfig } from './commands/check-config.ts';
import { registerPolicyCommands } from './commands/policy.ts';
import { registerServe } from './commands/serve.ts';
import { registerDemo } from './commands/demo.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerKeysCommands } from './commands/keys.ts';

export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('airlock')
    .description('Identity-aware access gateway for Apache Airflow')
    .version(pkg.version, '-v, --version')
    .showHelpAfterError('(run "airlock --help" for usage)');
  registerServe(program);
  registerCheckConfig(program);
  registerPolicyCommands(program);
  registerDemo(program);
  registerAuditCommands(program);
  registerKeysCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  if (argv[2] === '__worker') {
    // internal: a node:cluster worker started by `airlock serve`
    const { runClusterWorker } = await import('../server/index.ts');
    const cfg = argv[argv.indexOf('--config') + 1]!;
    const portIdx = argv.indexOf('--port');
    await runClusterWorker(cfg, portIdx > 0 ? Number(argv[portIdx + 1]) : undefined);
    return;
  }
  await buildProgram().parseAsync(argv);
}
