import { sql, type Kysely } from 'kysely';
import type { StoreConfig } from '../config/index.ts';
import type { Backend } from './backends/backend.ts';
import type { Database } from './database.ts';
import { guarded } from './errors.ts';
import type { StoreLogger } from './logger.ts';
import { runMigrations } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { sessionRepo, type SessionRepo } from './repos/session-repo.ts';
import { signingKeyRepo, type SigningKeyRepo } from './repos/signing-key-repo.ts';
import { userRepo, type UserRepo } from './repos/user-repo.ts';
import { loginStateRepo, type LoginStateRepo } from './repos/login-state-repo.ts';
import type { AuditChainRepo } from './repos/audit-chain-repo.ts';
import { tokenRepo, type TokenRepo } from './repos/token-repo.ts';
import { replayGuardRepo, type ReplayGuardRepo } from './repos/replay-guard-repo.ts';
import { scimRepo, type ScimRepo } from './repos/scim-repo.ts';
import { approvalRepo, type ApprovalRepo } from './repos/approval-repo.ts';
import { deviceGrantRepo, type DeviceGrantRepo } from './repos/device-grant-repo.ts';

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** For later areas' own repositories. Wrap their calls in the same AIRLOCK_STORE_UNAVAILABLE rule. */
  readonly db: Kysely<Database>;
  readonly sessions: SessionRepo;
  readonly users: UserRepo;
  readonly signingKeys: SigningKeyRepo;
  readonly loginStates: LoginStateRepo;
  /** Appends to the audit hash chain (src/audit owns what the rows mean). */
  readonly auditChain: AuditChainRepo;
  /** Machine tokens (src/tokens owns what they mean). */
  readonly tokens: TokenRepo;
  /** Single-use identifiers (a back-channel logout token's jti) until they expire. */
  readonly replayGuards: ReplayGuardRepo;
  /** SCIM provisioning: users, groups, memberships (src/scim owns what they mean). */
  readonly scim: ScimRepo;
  /** Machine requests held for a person's approval (src/approvals owns what they mean). */
  readonly approvals: ApprovalRepo;
  /** `airlock login` device grants (RFC 8628; src/tokens and the gateway's device endpoints own what they mean). */
  readonly deviceGrants: DeviceGrantRepo;
  /** Resolves when the database answers; throws AIRLOCK_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Closes the pool / file. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  logger?: StoreLogger;
  /** PostgreSQL: application_name of this store's connections (default "airlock"; one in the URL wins). */
  applicationName?: string;
}

/** Opens the configured backend and runs pending migrations before resolving. */
export async function openStore(cfg: StoreConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  const backend = await openBackend(cfg, opts.logger, opts.applicationName);
  try {
    await guarded('migrate', () => runMigrations(backend, migrations, Date.now, opts.logger));
  } catch (err) {
    await backend.db.destroy().catch(() => undefined); // report the migration failure, not the close
    throw err;
  }
  opts.logger?.info({ store: backend.kind }, 'store: open');
  return storeOn(backend);
}

/** Only the configured backend's driver is loaded (pg alone is ~0.1 s of start-up a SQLite gateway never needs). */
async function openBackend(cfg: StoreConfig, logger: StoreLogger | undefined, applicationName: string | undefined): Promise<Backend> {
  switch (cfg.kind) {
    case 'sqlite':
      return (await import('./backends/sqlite.ts')).openSqlite(cfg.path);
    case 'postgres':
      return (await import('./backends/postgres.ts')).openPostgres(cfg.url, cfg.pool, logger, applicationName);
    default:
      throw new TypeError(`store: unknown kind ${String((cfg as { kind: unknown }).kind)}`);
  }
}

function storeOn(backend: Backend): Store {
  const { db } = backend;
  let closing: Promise<void> | undefined;
  return Object.freeze({
    kind: backend.kind,
    db,
    sessions: sessionRepo(db),
    users: userRepo(db),
    signingKeys: signingKeyRepo(db, (conn) => backend.beginMigration(conn)),
    loginStates: loginStateRepo(db),
    auditChain: backend.auditChain,
    tokens: tokenRepo(db),
    replayGuards: replayGuardRepo(db),
    scim: scimRepo(db),
    approvals: approvalRepo(db),
    deviceGrants: deviceGrantRepo(db),
    ping: () =>
      guarded('ping', async () => {
        await sql`select 1`.execute(db);
      }),
    close: () => (closing ??= db.destroy()),
  });
}
