import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { InvalidArgumentError, type Command } from 'commander';
import type { JWK } from 'jose';
import {
  exportLines,
  formatRecords,
  importLines,
  OUTPUT_FORMATS,
  parseTimeFilter,
  pruneBefore,
  queryEvents,
  verifyChain,
  type AuditQuery,
  type OutputFormat,
} from '../../audit/index.ts';
import { ConfigError, formatProblems, loadConfig, resolveConfigPath } from '../../config/index.ts';
import { isAirlockError } from '../../errors/index.ts';
import { openStore, type Store } from '../../store/index.ts';

interface CommonOpts {
  config?: string;
}

/**
 * `airlock audit query | export | import | verify | prune`: the audit trail, read straight from the store the
 * config file names (works offline, without a running gateway).
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('query, export, import and verify the audit trail');

  audit
    .command('query')
    .description('events matching every filter, oldest first')
    .option('-c, --config <path>', 'config file (default: $AIRLOCK_CONFIG or ./airlock.yaml)')
    .option('--dag <dag_id>', 'events naming this DAG')
    .option('--action <action>', 'e.g. trigger, clear, pause, delete, read')
    .option('--user <username|sub>', 'the actor')
    .option('--decision <decision>', 'allow, deny, step_up, error, unauthenticated, allow_listed')
    .option('--env <name>', 'environment')
    .option('--type <type>', 'event type, e.g. request.intent, login')
    .option('--request-id <id>', 'one request')
    .option('--since <when>', 'a duration back from now (24h, 7d) or an ISO date/time')
    .option('--until <when>', 'same forms as --since; exclusive')
    .option('--limit <n>', 'at most this many events (default 1000)', parseLimit)
    .option('--format <format>', `${OUTPUT_FORMATS.join(' | ')} (default table)`, parseFormat)
    .action((opts: CommonOpts & { dag?: string; action?: string; user?: string; decision?: string; env?: string; type?: string; requestId?: string; since?: string; until?: string; limit?: number; format?: OutputFormat }) =>
      withStore(opts, async (store) => {
        const now = Date.now();
        const q: AuditQuery = {
          ...(opts.dag !== undefined ? { dag: opts.dag } : {}),
          ...(opts.action !== undefined ? { action: opts.action } : {}),
          ...(opts.user !== undefined ? { user: opts.user } : {}),
          ...(opts.decision !== undefined ? { decision: opts.decision } : {}),
          ...(opts.env !== undefined ? { env: opts.env } : {}),
          ...(opts.type !== undefined ? { type: opts.type } : {}),
          ...(opts.requestId !== undefined ? { requestId: opts.requestId } : {}),
          ...(opts.since !== undefined ? { since: parseTimeFilter(opts.since, now, '--since') } : {}),
          ...(opts.until !== undefined ? { until: parseTimeFilter(opts.until, now, '--until') } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        };
        process.stdout.write(formatRecords(await queryEvents(store, q), opts.format ?? 'table'));
      }),
    );

  audit
    .command('export')
    .description('the chain (or the part from the checkpoint before --since to --until) as JSON Lines')
    .option('-c, --config <path>', 'config file')
    .option('--since <when>', 'a duration back from now or an ISO date/time')
    .option('--until <when>', 'exclusive')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action((opts: CommonOpts & { since?: string; until?: string; out?: string }) =>
      withStore(opts, async (store) => {
        const now = Date.now();
        const range = {
          ...(opts.since !== undefined ? { since: parseTimeFilter(opts.since, now, '--since') } : {}),
          ...(opts.until !== undefined ? { until: parseTimeFilter(opts.until, now, '--until') } : {}),
        };
        const out = opts.out ? createWriteStream(opts.out, { flags: 'wx' }) : process.stdout;
        for await (const line of exportLines(store, range)) {
          if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
        }
        if (opts.out) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
      }),
    );

  audit
    .command('import <file>')
    .description('load an export into this store (an empty one, or one whose chain it continues)')
    .option('-c, --config <path>', 'config file')
    .action((file: string, opts: CommonOpts) =>
      withStore(opts, async (store) => {
        const r = await importLines(store, await readFile(file, 'utf8'));
        process.stdout.write(`imported ${r.events} events, ${r.checkpoints} checkpoints, ${r.keys} keys\n`);
      }),
    );

  audit
    .command('verify')
    .description('check the hash chain and the signed checkpoints; exit code 1 names every problem')
    .option('-c, --config <path>', 'config file')
    .option('--jwks <file>', 'public keys to check checkpoint signatures with (e.g. a saved /.airlock/jwks.json)')
    .option('--only-jwks', 'trust only --jwks, not the keys stored in the database')
    .option('--json', 'print the report as JSON')
    .action((opts: CommonOpts & { jwks?: string; onlyJwks?: boolean; json?: boolean }) =>
      withStore(opts, async (store) => {
        if (opts.onlyJwks && !opts.jwks) throw new InvalidArgumentError('--only-jwks needs --jwks');
        const jwks = opts.jwks ? (JSON.parse(await readFile(opts.jwks, 'utf8')) as { keys: JWK[] }) : undefined;
        const r = await verifyChain(store, { ...(jwks ? { jwks } : {}), ...(opts.onlyJwks ? { onlyJwks: true } : {}) });
        if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        else if (r.ok) {
          process.stdout.write(
            r.events === 0
              ? 'OK: the audit trail is empty\n'
              : `OK: ${r.events} events (seq ${r.firstSeq}..${r.lastSeq}), ${r.checkpoints} signed checkpoints verified, last at ${r.lastCheckpointSeq ?? '-'}` +
                  `${r.unanchoredTail > 0 ? `; ${r.unanchoredTail} newest events not yet under a checkpoint` : ''}\n`,
          );
        } else {
          process.stdout.write(`FAILED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${r.events} events\n`);
          for (const p of r.problems) process.stdout.write(`  seq ${p.seq}: [${p.kind}] ${p.message}${p.eventId ? ` (event ${p.eventId})` : ''}\n`);
        }
        if (!r.ok) process.exitCode = 1;
      }),
    );

  audit
    .command('prune')
    .description('apply audit.retention now (events behind the newest signed checkpoint older than the cutoff)')
    .option('-c, --config <path>', 'config file')
    .action((opts: CommonOpts) =>
      withStore(opts, async (store, retention) => {
        if (retention === 'forever') {
          process.stdout.write('audit.retention is "forever": nothing to prune\n');
          return;
        }
        const r = await pruneBefore(store, Date.now() - retention);
        process.stdout.write(r.events > 0 ? `pruned ${r.events} events; the chain now starts at the checkpoint at seq ${r.anchorSeq}\n` : 'nothing to prune\n');
      }),
    );
}

async function withStore(opts: CommonOpts, fn: (store: Store, retention: number | 'forever') => Promise<void>): Promise<void> {
  let store: Store | undefined;
  try {
    const path = resolveConfigPath(opts.config);
    const cfg = await loadConfig(path);
    store = await openStore(cfg.store);
    await fn(store, cfg.audit.retention);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`airlock: invalid config\n${formatProblems(err.problems)}\n`);
      process.exitCode = 2;
    } else if (isAirlockError(err)) {
      process.stderr.write(`airlock audit: ${err.code}: ${err.publicMessage}\n`);
      process.exitCode = 2;
    } else if (err instanceof InvalidArgumentError || err instanceof SyntaxError || (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
      process.stderr.write(`airlock audit: ${(err as Error).message}\n`);
      process.exitCode = 2;
    } else throw err;
  } finally {
    await store?.close();
  }
}

function parseFormat(v: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${OUTPUT_FORMATS.join(', ')}`);
  return v as OutputFormat;
}

function parseLimit(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new InvalidArgumentError('must be a whole number from 1 to 1000000');
  return n;
}
