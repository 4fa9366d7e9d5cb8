// A tiny `airlock` with only check-config, for the CLI test (src/cli/main.ts is another area's file).
import { Command } from 'commander';
import { registerCheckConfig } from '../../../src/cli/commands/check-config.ts';

const program = new Command('airlock');
registerCheckConfig(program);
await program.parseAsync(process.argv);
