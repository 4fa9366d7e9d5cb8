import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { appendEvents, buildEvent, type AuditEventInput } from '../../audit/index.ts';
import { parseDuration } from '../../config/index.ts';
import { loadConfigOrReport } from './with-store.ts';
import { isAirlockError } from '../../errors/index.ts';
import { openStore, type Store } from '../../store/index.ts';
import { createToken, listTokens, revokeToken, rotateToken, type TokenAdminContext, type TokenListing } from '../../tokens/index.ts';

const CONFIG_HELP = 'config file (default: $AIRLOCK_CONFIG, then ./airlock.yaml)';

/** Opens the store the config names; config problems and refusals are printed (exit 2 / 1), never thrown. */
async function withAdmin(configOption: string | undefined, fn: (ctx: TokenAdminContext, store: Store) => Promise<void>): Promise<void> {
  const cfg = await loadConfigOrReport(configOption);
  if (!cfg) return;
  const store = await openStore(cfg.store);
  // every change goes into the audit hash chain (durable: committed before the command reports success)
  const audit = async (e: AuditEventInput) => {
    const now = Date.now();
    await appendEvents(store, [buildEvent(e, now)]);
  };
  try {
    await fn({ store, config: cfg, audit, by: `cli:${userInfo().username}`, now: Date.now() }, store);
  } catch (err) {
    if (!isAirlockError(err) || err.status >= 500) throw err;
    process.stderr.write(`${err.code}: ${err.publicMessage}\n`);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}

function list(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError('give at least one value (comma-separated)');
  return [...previous, ...items];
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('must be a duration such as 10m, 1h, 7d');
  return ms;
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function formatTokenTable(rows: readonly TokenListing[]): string {
  if (rows.length === 0) return 'no tokens';
  const out = [['ID', 'NAME', 'KIND', 'ACTS AS', 'OWNER', 'ENVS', 'DAGS', 'ACTIONS', 'EXPIRES', 'LAST USED', 'FROM', 'STATUS']];
  for (const r of rows) {
    out.push([
      r.id,
      r.name,
      r.kind,
      r.serviceAccount !== null ? `svc:${r.serviceAccount}` : r.kind === 'agent' ? `agent:${r.name}` : (r.ownerUsername ?? '-'),
      r.ownerUsername ?? (r.ownerSub ?? '-'),
      r.envs.join(','),
      r.dags.join(','),
      r.actions.join(','),
      iso(r.expiresAt),
      iso(r.lastUsedAt),
      r.lastUsedIp ?? '-',
      r.status === 'revoked' ? `revoked (${r.revokeReason ?? '-'})` : r.status,
    ]);
  }
  const widths = out[0]!.map((_, i) => Math.max(...out.map((r) => r[i]!.length)));
  return out.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** The listing as JSON: every column, never a secret (the store holds only hashes). */
function listingJson(r: TokenListing): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    owner: r.ownerSub === null ? null : { sub: r.ownerSub, username: r.ownerUsername },
    service_account: r.serviceAccount,
    envs: r.envs,
    dags: r.dags,
    actions: r.actions,
    actions_needing_approval: r.approvalActions,
    created_by: r.createdBy,
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
    last_used_at: r.lastUsedAt === null ? null : iso(r.lastUsedAt),
    last_used_ip: r.lastUsedIp,
    rotated_from: r.rotatedFrom,
    status: r.status,
    revoked_at: r.revokedAt === null ? null : iso(r.revokedAt),
    revoke_reason: r.revokeReason,
  };
}

/** `airlock tokens create | list | revoke | rotate`: machine tokens, straight on the configured store. */
export function registerTokensCommands(program: Command): void {
  const tokens = program.command('tokens').description('issue, list, revoke and rotate machine tokens (docs/machine-identities.md)');
  tokens
    .command('create')
    .description('issue a token; the secret is printed once and never stored')
    .requiredOption('--name <name>', 'a name for the token, e.g. etl-ci')
    .requiredOption('--env <envs>', 'environments it may reach, comma-separated, or "*"', list)
    .requiredOption('--dags <globs>', 'DAG ids or globs, comma-separated, e.g. "etl_*", or "*"', list)
    .requiredOption('--actions <actions>', 'e.g. read,trigger', list)
    .option('--ttl <duration>', 'lifetime, e.g. 1h (default tokens.default_ttl, at most tokens.max_ttl)', duration)
    .option('--owner <person>', 'the person who owns it (username, email or IdP subject of someone who signed in)')
    .option('--service-account <name>', 'act as this service account (tokens.service_accounts)')
    .option('--agent', 'with --owner: an agent acting for the person (its own name in Airflow, the person\'s rights)')
    .option('--approval <actions>', 'actions held until a person approves each request, e.g. trigger,clear,pause,delete', list)
    .option('--json', 'print JSON')
    .option('--config <path>', CONFIG_HELP)
    .action(async (o: { name: string; env: string[]; dags: string[]; actions: string[]; ttl?: number; owner?: string; serviceAccount?: string; agent?: boolean; approval?: string[]; json?: boolean; config?: string }) => {
      await withAdmin(o.config, async (ctx) => {
        const { token, row } = await createToken(ctx, {
          name: o.name,
          envs: o.env,
          dags: o.dags,
          actions: o.actions,
          ttl: o.ttl,
          owner: o.owner,
          serviceAccount: o.serviceAccount,
          kind: o.agent ? 'agent' : undefined,
          approval: o.approval,
        });
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ token, id: row.id, name: row.name, kind: row.kind, expires_at: iso(row.expiresAt) })}\n`);
        } else {
          process.stderr.write(`created ${row.id} "${row.name}" (${row.kind}${row.serviceAccount ? ` svc:${row.serviceAccount}` : ''}), expires ${iso(row.expiresAt)}. The token is shown once:\n`);
          process.stdout.write(`${token}\n`);
        }
      });
    });
  tokens
    .command('list')
    .description('live tokens (never a secret), with when and from where each was last used')
    .option('--name <name>', 'only tokens of this name')
    .option('--owner <person>', 'only tokens of this person')
    .option('--all', 'also expired and revoked tokens')
    .option('--json', 'print JSON')
    .option('--config <path>', CONFIG_HELP)
    .action(async (o: { name?: string; owner?: string; all?: boolean; json?: boolean; config?: string }) => {
      await withAdmin(o.config, async (ctx, store) => {
        const rows = await listTokens(store, { name: o.name, owner: o.owner, all: o.all, now: ctx.now });
        process.stdout.write(`${o.json ? JSON.stringify(rows.map(listingJson), null, 2) : formatTokenTable(rows)}\n`);
      });
    });
  tokens
    .command('revoke')
    .description('revoke a token by id, or every live token of a name; every gateway worker refuses it within 200 ms')
    .argument('<id-or-name>', 'tok_… id, or a token name')
    .option('--reason <text>', 'recorded with the revocation and in the audit trail', 'revoked by an administrator')
    .option('--config <path>', CONFIG_HELP)
    .action(async (idOrName: string, o: { reason: string; config?: string }) => {
      await withAdmin(o.config, async (ctx) => {
        const done = await revokeToken(ctx, idOrName, o.reason.slice(0, 200));
        for (const r of done) process.stdout.write(`revoked ${r.id} "${r.name}"\n`);
      });
    });
  tokens
    .command('rotate')
    .description('issue a new secret for a token (same scopes and owner); the old one works until the overlap ends')
    .argument('<id-or-name>', 'tok_… id, or a token name (its newest live token)')
    .option('--overlap <duration>', 'how long the old token keeps working, e.g. 10m', duration, 0)
    .option('--ttl <duration>', 'lifetime of the new token (default: the old one\'s)', duration)
    .option('--json', 'print JSON')
    .option('--config <path>', CONFIG_HELP)
    .action(async (idOrName: string, o: { overlap: number; ttl?: number; json?: boolean; config?: string }) => {
      await withAdmin(o.config, async (ctx) => {
        const r = await rotateToken(ctx, idOrName, { overlap: o.overlap, ttl: o.ttl });
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ token: r.token, id: r.row.id, name: r.row.name, expires_at: iso(r.row.expiresAt), previous: { id: r.previous.id, ends_at: iso(r.previousEndsAt) } })}\n`);
        } else {
          process.stderr.write(`rotated "${r.row.name}": new ${r.row.id} expires ${iso(r.row.expiresAt)}; ${r.previous.id} works until ${iso(r.previousEndsAt)}. The new token is shown once:\n`);
          process.stdout.write(`${r.token}\n`);
        }
      });
    });
}
