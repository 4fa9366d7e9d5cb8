import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { AirlockConfig } from '../../config/index.ts';
import { withStore } from './with-store.ts';
import { openStore, type Store } from '../../store/index.ts';
import { appendEvents, buildEvent } from '../../audit/index.ts';
import { listKeys, loggingSink, revokeKey, toAuditInput, webauthnFor, type KeyListing, type WebauthnEvent } from '../../webauthn/index.ts';

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function formatKeyTable(keys: readonly KeyListing[]): string {
  if (keys.length === 0) return 'no security keys';
  const rows = [['ID', 'USER', 'NAME', 'MODEL', 'CREATED', 'LAST USED', 'STATUS']];
  for (const k of keys) rows.push([k.id, k.username ?? k.sub, k.name, k.model ?? 'unknown', iso(k.createdAt), iso(k.lastUsedAt), k.status === 'active' ? 'active' : `disabled (${k.disabledReason ?? '-'})`]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** `airlock keys list [--user NAME] [--json]` and `airlock keys revoke ID [--end-sessions]`. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('list and revoke WebAuthn security keys');
  keys
    .command('list')
    .description('list registered security keys (all, or one person\'s)')
    .option('--user <name>', 'username, email or IdP subject')
    .option('--json', 'print JSON')
    .option('--config <path>', 'config file (default: $AIRLOCK_CONFIG, then ./airlock.yaml)')
    .action(async (o: { user?: string; json?: boolean; config?: string }) => {
      await withStore(o.config, async (store, cfg) => {
        const list = await listKeys(store, webauthnFor(cfg), { user: o.user });
        process.stdout.write(`${o.json ? JSON.stringify(list, null, 2) : formatKeyTable(list)}\n`);
      });
    });
  keys
    .command('revoke')
    .description('delete a security key (it can no longer sign in or confirm actions)')
    .argument('<id>', 'credential id (from "airlock keys list"); one that starts with "-" goes after "--": airlock keys revoke -- -Xy…')
    .option('--end-sessions', "also end the owner's sessions")
    .option('--config <path>', 'config file (default: $AIRLOCK_CONFIG, then ./airlock.yaml)')
    .action(async (id: string, o: { endSessions?: boolean; config?: string }) => {
      await withStore(o.config, async (store) => {
        const log = { info: (obj: object) => process.stderr.write(`${JSON.stringify(obj)}\n`), warn: () => undefined, error: () => undefined };
        const logged = loggingSink(log);
        const changes: WebauthnEvent[] = [];
        const now = Date.now();
        const r = await revokeKey(store, (e) => (changes.push(e), logged(e)), id, { endSessions: o.endSessions === true, now, actor: `cli:${userInfo().username}` });
        if (!r) {
          process.stderr.write(`no security key with id ${id}\n`);
          process.exitCode = 1;
          return;
        }
        // Every key change goes into the audit hash chain, as the gateway's do. The key stays revoked if this fails.
        try {
          await appendEvents(store, changes.map((e) => buildEvent(toAuditInput(e, now), now)));
        } catch (err) {
          process.stderr.write(`revoked ${r.revoked.id}, but its audit event could not be written to the store: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`revoked ${r.revoked.id} (${r.revoked.name}) of ${r.revoked.sub}${o.endSessions ? `; ended ${r.sessionsEnded} session(s)` : ''}\n`);
      });
    });
}
