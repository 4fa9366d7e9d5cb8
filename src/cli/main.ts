import { Command } from 'commander';
import { readFileSync } from 'node:fs';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs (`airlock --version` loads none of them; `--help`
 * and an unknown command load all, so help lists every command and typos get a suggestion).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  serve: async () => (await import('./commands/serve.ts')).registerServe,
  'check-config': async () => (await import('./commands/check-config.ts')).registerCheckConfig,
  policy: async () => (await import('./commands/policy.ts')).registerPolicyCommands,
  audit: async () => (await import('./commands/audit.ts')).registerAuditCommands,
  keys: async () => (await import('./commands/keys.ts')).registerKeysCommands,
  sessions: async () => (await import('./commands/sessions.ts')).registerSessionsCommands,
  probe: async () => (await import('./commands/probe.ts')).registerProbe,
  tokens: async () => (await import('./commands/tokens.ts')).registerTokensCommands,
  login: async () => (await import('./commands/login.ts')).registerLogin,
  logout: async () => (await import('./commands/login.ts')).registerLogout,
};

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The `airlock` program with the named commands registered (all of them when `only` is undefined). */
export async function buildProgram(only?: readonly string[]): Promise<Command> {
  const program = new Command('airlock')
    .description('Identity-aware access gateway for Apache Airflow')
    .version(version(), '-v, --version')
    .showHelpAfterError('(run "airlock --help" for usage)');
  for (const name of only ?? Object.keys(COMMANDS)) (await COMMANDS[name]!())(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const first = argv[2];
  if (first === '__worker') {
    // internal: a node:cluster worker started by `airlock serve`
    const { runClusterWorker } = await import('../server/index.ts');
    const cfg = argv[argv.indexOf('--config') + 1]!;
    const portIdx = argv.indexOf('--port');
    await runClusterWorker(cfg, portIdx > 0 ? Number(argv[portIdx + 1]) : undefined);
    return;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  const only = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : undefined;
  await (await buildProgram(only)).parseAsync(argv);
}
