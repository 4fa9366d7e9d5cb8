import type { AuditEventInput } from '../audit/index.ts';
import { DAG_GLOB, TOKEN_ACTIONS, type AirlockConfig } from '../config/index.ts';
import type { Store, TokenKind, TokenRow, UserRow } from '../store/index.ts';
import { compileTokens, type CompiledServiceAccount } from './compile.ts';
import { TokenNotFound, TokenRequestRefused } from './errors.ts';
import { generateToken, newTokenId } from './format.ts';
import { globToRegExp } from './scope.ts';

/**
 * Token administration (`airlock tokens create | list | revoke | rotate`), straight on the store. Every change is
 * written to the audit hash chain (type "token") through `audit` before the call returns; a failed audit write
 * fails the call (the change itself is already committed then, and the error says so in the log).
 */
export type TokenAudit = (event: AuditEventInput) => Promise<void>;

export interface TokenAdminContext {
  readonly store: Store;
  readonly config: AirlockConfig;
  readonly audit: TokenAudit;
  /** Who acts, e.g. "cli:root". */
  readonly by: string;
  readonly now: number;
}

export interface CreateTokenRequest {
  readonly name: string;
  readonly envs: readonly string[];
  readonly dags: readonly string[];
  readonly actions: readonly string[];
  /** Milliseconds; default tokens.default_ttl. */
  readonly ttl?: number | undefined;
  /** The owning person: IdP subject, username or email of someone who has signed in at least once. */
  readonly owner?: string | undefined;
  /** Act as this configured service account (kind "service"). */
  readonly serviceAccount?: string | undefined;
  /** An owner's token acts as the person ("person", default) or as an agent of the person ("agent"). */
  readonly kind?: 'person' | 'agent' | undefined;
  /** How it is issued: "cli" (default) or "device" (airlock login). */
  readonly origin?: 'cli' | 'device' | undefined;
  /** Actions whose requests are held for a person's approval (a subset of `actions`; docs/machine-identities.md). */
  readonly approval?: readonly string[] | undefined;
}

export interface IssuedToken {
  /** The secret: shown once, never stored. */
  readonly token: string;
  readonly row: TokenRow;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const refuse = (message: string) => TokenRequestRefused.create({ message, logMessage: message });

/** Issues a token and records a "token" audit event (action create). */
export async function createToken(ctx: TokenAdminContext, req: CreateTokenRequest): Promise<IssuedToken> {
  const compiled = compileTokens(ctx.config);
  if (typeof req.name !== 'string' || !NAME.test(req.name)) throw refuse('--name must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');
  const live = await ctx.store.tokens.list({ name: req.name, liveAt: ctx.now, limit: 1 });
  if (live.length > 0) throw refuse(`a live token named "${req.name}" exists (${live[0]!.id}); rotate it ("airlock tokens rotate ${req.name}") or revoke it first`);
  const { kind, owner, sa } = await resolveWho(ctx, req, compiled.serviceAccounts);
  const scope = checkScopes(ctx.config, compiled.allowedActions, req, sa);
  const ttl = checkTtl(req.ttl ?? compiled.defaultTtl, compiled.maxTtl);
  const approvalActions = checkApproval(req.approval ?? [], scope.actions);
  const { token, hash } = generateToken(kind);
  const row: TokenRow = {
    id: newTokenId(),
    name: req.name,
    kind,
    secretHash: hash,
    ownerSub: owner?.sub ?? null,
    serviceAccount: sa?.name ?? null,
    envs: scope.envs,
    dags: scope.dags,
    actions: scope.actions,
    approvalActions,
    origin: req.origin ?? 'cli',
    createdBy: ctx.by,
    createdAt: ctx.now,
    expiresAt: ctx.now + ttl,
    rotatedFrom: null,
    revokedAt: null,
    revokedBy: null,
    revokeReason: null,
    lastUsedAt: null,
    lastUsedIp: null,
  };
  await ctx.store.tokens.insert(row);
  await ctx.audit(tokenEvent('create', row, owner, ctx.by));
  return { token, row };
}

export interface TokenListing extends TokenRow {
  readonly ownerUsername: string | null;
  readonly status: 'active' | 'expired' | 'revoked';
}

/** Every token (or those of one name / owner), newest first, with the owner's username. Never a secret: only hashes are stored. */
export async function listTokens(store: Store, opts: { readonly name?: string | undefined; readonly owner?: string | undefined; readonly all?: boolean | undefined; readonly now: number }): Promise<TokenListing[]> {
  let ownerSub: string | undefined;
  if (opts.owner !== undefined) ownerSub = (await findUser(store, opts.owner))?.sub ?? opts.owner;
  const rows = await store.tokens.list({ name: opts.name, ownerSub, ...(opts.all ? {} : { liveAt: opts.now }) });
  const names = new Map<string, string | null>();
  for (const sub of new Set(rows.map((r) => r.ownerSub).filter((s): s is string => s !== null))) names.set(sub, (await store.users.get(sub))?.username ?? null);
  return rows.map((r) => ({
    ...r,
    ownerUsername: r.ownerSub === null ? null : (names.get(r.ownerSub) ?? null),
    status: r.revokedAt !== null ? 'revoked' : r.expiresAt <= opts.now ? 'expired' : 'active',
  }));
}

/** Revokes a token by id, or every live token of a name. Returns the revoked rows (none: AIRLOCK_TOKEN_NOT_FOUND). */
export async function revokeToken(ctx: TokenAdminContext, idOrName: string, reason: string): Promise<TokenRow[]> {
  const targets = await liveTargets(ctx, idOrName);
  const done: TokenRow[] = [];
  for (const t of targets) {
    if (!(await ctx.store.tokens.revoke(t.id, ctx.now, ctx.by, reason))) continue;
    const row = { ...t, revokedAt: ctx.now, revokedBy: ctx.by, revokeReason: reason };
    done.push(row);
    const owner = t.ownerSub === null ? undefined : await ctx.store.users.get(t.ownerSub);
    await ctx.audit(tokenEvent('revoke', row, owner, ctx.by, { reason }));
  }
  if (done.length === 0) throw TokenNotFound.create({ message: `No live token "${idOrName}".`, logMessage: `revoke: no live token ${idOrName}` });
  return done;
}

/**
 * Replaces the newest live token of a name (or an id) with a new secret, same scopes, owner and service account.
 * The old token keeps working for `overlap` ms (never longer than it would have), then stops.
 */
export async function rotateToken(ctx: TokenAdminContext, idOrName: string, opts: { readonly overlap: number; readonly ttl?: number | undefined }): Promise<IssuedToken & { readonly previous: TokenRow; readonly previousEndsAt: number }> {
  if (!Number.isSafeInteger(opts.overlap) || opts.overlap < 0) throw refuse('--overlap must be a duration of 0 or more');
  const compiled = compileTokens(ctx.config);
  const [old] = await liveTargets(ctx, idOrName);
  if (!old) throw TokenNotFound.create({ message: `No live token "${idOrName}".`, logMessage: `rotate: no live token ${idOrName}` });
  if (opts.overlap > compiled.maxTtl) throw refuse('--overlap must not exceed tokens.max_ttl');
  const owner = old.ownerSub === null ? undefined : await ctx.store.users.get(old.ownerSub);
  if (old.ownerSub !== null && (!owner || owner.disabledAt !== null)) throw refuse(`the owner of ${old.id} is unknown or disabled; issue a new token for someone else`);
  const sa = old.serviceAccount === null ? undefined : compiled.serviceAccounts.get(old.serviceAccount);
  if (old.kind === 'service' && !sa) throw refuse(`service account "${old.serviceAccount}" is no longer configured`);
  checkScopes(ctx.config, compiled.allowedActions, old, sa);
  const ttl = checkTtl(opts.ttl ?? old.expiresAt - old.createdAt, compiled.maxTtl);
  const { token, hash } = generateToken(old.kind);
  const row: TokenRow = { ...old, id: newTokenId(), secretHash: hash, createdBy: ctx.by, createdAt: ctx.now, expiresAt: ctx.now + ttl, rotatedFrom: old.id, lastUsedAt: null, lastUsedIp: null };
  if (!(await ctx.store.tokens.rotate(old.id, row, ctx.now + opts.overlap, ctx.now))) throw TokenNotFound.create({ message: `Token ${old.id} is no longer live.`, logMessage: `rotate: ${old.id} ended meanwhile` });
  const previousEndsAt = Math.min(old.expiresAt, ctx.now + opts.overlap);
  await ctx.audit(tokenEvent('rotate', row, owner, ctx.by, { rotated_from: old.id, previous_ends_at: new Date(previousEndsAt).toISOString(), overlap_ms: opts.overlap }));
  return { token, row, previous: old, previousEndsAt };
}

async function liveTargets(ctx: TokenAdminContext, idOrName: string): Promise<TokenRow[]> {
  if (idOrName.startsWith('tok_')) {
    const row = await ctx.store.tokens.get(idOrName);
    return row && row.revokedAt === null && row.expiresAt > ctx.now ? [row] : [];
  }
  return ctx.store.tokens.list({ name: idOrName, liveAt: ctx.now });
}

/** A person by IdP subject, username or email; refused when two people match. */
export async function findUser(store: Store, who: string): Promise<UserRow | undefined> {
  const bySub = await store.users.get(who);
  if (bySub) return bySub;
  const rows = await store.db.selectFrom('users').select('sub').where((eb) => eb.or([eb('username', '=', who), eb('email', '=', who)])).limit(2).execute();
  if (rows.length > 1) throw refuse(`"${who}" names more than one person; use their IdP subject`);
  return rows.length === 1 ? store.users.get(rows[0]!.sub) : undefined;
}

async function resolveWho(ctx: TokenAdminContext, req: CreateTokenRequest, accounts: ReadonlyMap<string, CompiledServiceAccount>): Promise<{ kind: TokenKind; owner: UserRow | undefined; sa: CompiledServiceAccount | undefined }> {
  let owner: UserRow | undefined;
  if (req.owner !== undefined) {
    owner = await findUser(ctx.store, req.owner);
    if (!owner) throw refuse(`--owner ${req.owner}: nobody with this subject, username or email has signed in through the gateway yet`);
    if (owner.disabledAt !== null) throw refuse(`--owner ${req.owner} is disabled`);
  }
  if (req.serviceAccount !== undefined) {
    if (req.kind !== undefined) throw refuse('--service-account and --agent cannot be combined: a service account token acts as the service account');
    const sa = accounts.get(req.serviceAccount);
    if (!sa) throw refuse(`--service-account ${req.serviceAccount} is not in tokens.service_accounts`);
    return { kind: 'service', owner, sa };
  }
  if (!owner) throw refuse('name who the token acts for: --owner PERSON (the person\'s own rights) or --service-account NAME');
  return { kind: req.kind ?? 'person', owner, sa: undefined };
}

function checkScopes(cfg: AirlockConfig, allowed: readonly string[], req: Pick<CreateTokenRequest, 'envs' | 'dags' | 'actions'>, sa: CompiledServiceAccount | undefined): { envs: string[]; dags: string[]; actions: string[] } {
  const envs = [...new Set(req.envs)];
  const dags = [...new Set(req.dags)];
  const actions = [...new Set(req.actions)];
  if (envs.length === 0) throw refuse('--env: name at least one environment (or "*")');
  for (const e of envs) if (e !== '*' && !Object.hasOwn(cfg.environments, e)) throw refuse(`--env ${e} is not a configured environment (${Object.keys(cfg.environments).join(', ')})`);
  if (dags.length === 0) throw refuse('--dags: name at least one DAG id or glob (or "*")');
  for (const d of dags) if (!DAG_GLOB.test(d)) throw refuse(`--dags ${JSON.stringify(d)} is not a DAG id or glob`);
  if (actions.length === 0) throw refuse('--actions: name at least one action');
  for (const a of actions) {
    if (!(TOKEN_ACTIONS as readonly string[]).includes(a)) throw refuse(`--actions ${a} is not one of ${TOKEN_ACTIONS.join(', ')}`);
    if (!allowed.includes(a)) throw refuse(`--actions ${a} is not in tokens.allowed_actions (${allowed.join(', ')})`);
  }
  if (sa) {
    const l = sa.layer;
    for (const e of envs) if (!l.allEnvs && (e === '*' || !l.envs.includes(e))) throw refuse(`--env ${e} is outside service account "${sa.name}" (envs ${l.envs.join(', ')})`);
    for (const a of actions) if (!l.actionSet.has(a)) throw refuse(`--actions ${a} is outside service account "${sa.name}" (actions ${l.actions.join(', ')})`);
    // a glob is inside the account's DAGs when the account's globs match it as a literal name (checked again at every request)
    for (const d of dags) if (!l.allDags && !l.dags.some((g) => g === d || (!/[*?]/.test(g) ? false : globToRegExp(g).test(d)))) throw refuse(`--dags ${d} is outside service account "${sa.name}" (dags ${l.dags.join(', ')})`);
  }
  return { envs, dags, actions };
}

/** --approval: actions of the token itself (an approval for an action the token may not take would never be asked). */
function checkApproval(list: readonly string[], actions: readonly string[]): string[] {
  const out = [...new Set(list)];
  for (const a of out) {
    if (!(TOKEN_ACTIONS as readonly string[]).includes(a)) throw refuse(`--approval ${a} is not one of ${TOKEN_ACTIONS.join(', ')}`);
    if (!actions.includes(a)) throw refuse(`--approval ${a} is not among the token's --actions (${actions.join(', ')})`);
  }
  return out;
}

function checkTtl(ttl: number, max: number): number {
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw refuse('--ttl must be a positive duration, e.g. 1h');
  if (ttl > max) throw refuse(`--ttl exceeds tokens.max_ttl (${Math.round(max / 60_000)} minutes)`);
  return ttl;
}

function tokenEvent(op: 'create' | 'revoke' | 'rotate', row: TokenRow, owner: UserRow | undefined, by: string, extra: Record<string, string | number> = {}): AuditEventInput {
  return {
    type: 'token',
    action: op,
    decision: 'allow',
    actor: {
      kind: row.kind,
      sub: row.kind === 'person' && owner ? owner.sub : row.serviceAccount !== null ? `svc:${row.serviceAccount}` : `agent:${row.name}`,
      username: row.kind === 'person' && owner ? owner.username : row.serviceAccount !== null ? `svc:${row.serviceAccount}` : `agent:${row.name}`,
      token_id: row.id,
      token_name: row.name,
      ...(owner ? { owner: owner.username } : {}),
      ...(row.serviceAccount !== null ? { service_account: row.serviceAccount } : {}),
    },
    detail: {
      by,
      token_kind: row.kind,
      envs: row.envs.join(','),
      dags: row.dags.join(','),
      actions: row.actions.join(','),
      expires_at: new Date(row.expiresAt).toISOString(),
      ...(row.rotatedFrom !== null ? { rotated_from: row.rotatedFrom } : {}),
      ...extra,
    },
  };
}
