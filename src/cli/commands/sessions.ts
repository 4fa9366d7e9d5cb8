import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { appendEvents, buildEvent, type AuditActor } from '../../audit/index.ts';
import type { AirlockConfig } from '../../config/index.ts';
import { withStore } from './with-store.ts';
import { isAirlockError } from '../../errors/index.ts';
import { announceRevocation, listSessions, revokeSessions, sessionHandle, type SessionSelector } from '../../session/index.ts';
import { openStore, type RevokedSession, type SessionRow, type Store } from '../../store/index.ts';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One session as `sessions list --json` prints it (never the cookie, the IdP tokens or the IdP sid). */
export function sessionListing(r: SessionRow) {
  return {
    id: sessionHandle(r.idHash),
    sub: r.sub,
    username: r.identity.username,
    email: r.identity.email,
    groups: [...r.identity.groups],
    mfa: r.identity.mfa.method,
    created_at: iso(r.createdAt),
    last_seen_at: iso(r.lastSeenAt),
    expires_at: iso(r.expiresAt),
    claims_at: iso(r.claimsAt),
    refreshable: r.refreshToken !== null,
  };
}

export function formatSessionTable(rows: readonly SessionRow[]): string {
  if (rows.length === 0) return 'no live sessions';
  const table = [['ID', 'USER', 'GROUPS', 'CREATED', 'LAST SEEN', 'CLAIMS READ', 'EXPIRES']];
  for (const r of rows) {
    const l = sessionListing(r);
    table.push([l.id, l.username, l.groups.join(',') || '-', l.created_at, l.last_seen_at, l.claims_at, l.expires_at]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function actorOf(s: RevokedSession): AuditActor {
  return { kind: s.identity.kind, sub: s.sub, username: s.identity.username, ...(s.identity.email ? { email: s.identity.email } : {}), session_id: sessionHandle(s.idHash) };
}

/**
 * `airlock sessions list [--user U] [--json]` and `airlock sessions revoke --user U | --session ID | --all --yes`:
 * straight on the store the config names (no running gateway needed). A revocation is written to the store, then
 * announced to the running gateways (PostgreSQL NOTIFY; SQLite gateways read it from the store), which drop the
 * sessions and close their WebSockets; every ended session is an audit event (`session`, action `revoke`).
 */
export function registerSessionsCommands(program: Command): void {
  const sessions = program.command('sessions').description('list and revoke sign-in sessions');
  sessions
    .command('list')
    .description('live sessions, oldest first (all, or one person\'s)')
    .option('--user <name>', 'username, email or IdP subject')
    .option('--json', 'print JSON')
    .option('--config <path>', 'config file (default: $AIRLOCK_CONFIG, then ./airlock.yaml)')
    .action(async (o: { user?: string; json?: boolean; config?: string }) => {
      await withStore(o.config, async (store) => {
        const rows = await listSessions(store, o.user === undefined ? undefined : { user: o.user }, Date.now());
        process.stdout.write(`${o.json ? JSON.stringify(rows.map(sessionListing), null, 2) : formatSessionTable(rows)}\n`);
      });
    });
  sessions
    .command('revoke')
    .description('end sessions now, on every gateway (their open WebSockets are closed)')
    .option('--user <name>', 'every session of this person (username, email or IdP subject)')
    .option('--session <id>', 'one session (the ID "airlock sessions list" shows)')
    .option('--all', 'every live session (needs --yes)')
    .option('--yes', 'confirm --all')
    .option('--reason <text>', 'recorded with the revocation', 'revoked by an administrator')
    .option('--config <path>', 'config file (default: $AIRLOCK_CONFIG, then ./airlock.yaml)')
    .action(async (o: { user?: string; session?: string; all?: boolean; yes?: boolean; reason: string; config?: string }) => {
      const chosen = [o.user !== undefined, o.session !== undefined, o.all === true].filter(Boolean).length;
      if (chosen !== 1) {
        process.stderr.write('name exactly one of --user, --session or --all\n');
        process.exitCode = 2;
        return;
      }
      if (o.all && !o.yes) {
        process.stderr.write('--all ends every live session of every person: add --yes to confirm\n');
        process.exitCode = 2;
        return;
      }
      if (o.reason === '' || o.reason.length > 200) {
        process.stderr.write('--reason must be 1 to 200 characters\n');
        process.exitCode = 2;
        return;
      }
      const selector: SessionSelector = o.all ? { all: true } : o.session !== undefined ? { session: o.session } : { user: o.user! };
      await withStore(o.config, async (store, cfg) => {
        const now = Date.now();
        let ended: RevokedSession[];
        try {
          ended = await revokeSessions(store, selector, o.reason, now);
        } catch (err) {
          if (!(err instanceof TypeError)) throw err;
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        if (ended.length === 0) {
          process.stderr.write('no live session matched\n');
          process.exitCode = 1;
          return;
        }
        const by = `cli:${userInfo().username}`;
        const how = 'all' in selector ? 'all' : 'session' in selector ? 'session' : 'user';
        let failed = false;
        // every ended session goes into the audit hash chain, as the gateway's revocations do
        try {
          await appendEvents(store, ended.map((s) => buildEvent({ type: 'session', decision: 'allow', actor: actorOf(s), detail: { action: 'revoke', by, selector: how, reason: o.reason } }, now)));
        } catch (err) {
          process.stderr.write(`the sessions are revoked, but their audit events could not be written: ${err instanceof Error ? err.message : String(err)}\n`);
          failed = true;
        }
        let told: string;
        try {
          told = await announceRevocation(cfg.store, ended.map((s) => s.idHash));
        } catch (err) {
          told = 'failed';
          failed = true;
          process.stderr.write(`the sessions are revoked in the store, but the gateways could not be notified (${isAirlockError(err) ? err.code : 'error'}); they drop them within session.cache_ttl\n`);
        }
        const users = [...new Set(ended.map((s) => s.identity.username))];
        process.stdout.write(`revoked ${ended.length} session(s) of ${users.join(', ')}${told === 'notified' ? '; gateways notified' : told === 'polled' ? '; gateways read it from the store' : ''}\n`);
        if (failed) process.exitCode = 1;
      });
    });
}
