import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendEvents, buildEvent } from '../src/audit/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { openStore } from '../src/store/index.ts';
import { createToken, revokeToken, type CreateTokenRequest, type TokenAdminContext } from '../src/tokens/index.ts';
import { subjectOf, type DemoUser } from './idp/index.ts';

/** The demo's CI token: service account "etl-ci" (role User), prod, example_etl only, read and trigger. */
export const DEMO_CI_TOKEN: CreateTokenRequest = Object.freeze({
  name: 'etl-ci', serviceAccount: 'etl-ci', envs: ['prod'], dags: ['example_etl'], actions: ['read', 'trigger'], ttl: 24 * 3_600_000,
});
/** The owner of the demo's agent token (an Op: he may trigger every DAG himself). */
export const DEMO_AGENT_OWNER = 'bob';
/**
 * The demo's AI agent token: kind agent, acting for bob in prod on every DAG; its triggers are held for a person's
 * approval by `approvals.agent_actions` of the demo config (and by the token itself).
 */
export const DEMO_AGENT_TOKEN: CreateTokenRequest = Object.freeze({
  name: 'demo-agent', owner: DEMO_AGENT_OWNER, kind: 'agent', envs: ['prod'], dags: ['*'], actions: ['read', 'trigger'], approval: ['trigger'], ttl: 24 * 3_600_000,
});

export interface DemoTokens {
  /** Files holding the secrets (mode 0600), next to the demo config. */
  readonly ciTokenPath: string;
  readonly agentTokenPath: string;
  readonly ciToken: string;
  readonly agentToken: string;
}

/**
 * Issues the demo's tokens through the product's createToken on the store the demo config names (what
 * `airlock tokens create` does), after revoking the live ones of the same names from an earlier start.
 * The agent's owner is recorded as the dev IdP would on his first sign-in (same subject, profile and groups), since
 * an owner must be known to the gateway; his real sign-in later refreshes the same record.
 */
export async function issueDemoTokens(o: { configPath: string; dir: string; users: readonly DemoUser[] }): Promise<DemoTokens> {
  const config = await loadConfig(o.configPath);
  const store = await openStore(config.store);
  try {
    const now = Date.now();
    const ctx: TokenAdminContext = { store, config, by: 'demo', now, audit: async (e) => void (await appendEvents(store, [buildEvent(e, now)])) };
    const owner = o.users.find((u) => u.username === DEMO_AGENT_OWNER);
    if (!owner) throw new TypeError(`issueDemoTokens: the dev IdP has no user "${DEMO_AGENT_OWNER}"`);
    await store.users.upsertLogin({ sub: subjectOf(owner.username), username: owner.username, email: owner.email, name: owner.name, groups: [...owner.groups], at: now });
    for (const req of [DEMO_CI_TOKEN, DEMO_AGENT_TOKEN]) {
      if ((await store.tokens.list({ name: req.name, liveAt: now, limit: 1 })).length > 0) await revokeToken(ctx, req.name, 'demo restarted');
    }
    const ci = await createToken(ctx, DEMO_CI_TOKEN);
    const agent = await createToken(ctx, DEMO_AGENT_TOKEN);
    const ciTokenPath = writeSecret(join(o.dir, `${DEMO_CI_TOKEN.name}.token`), ci.token);
    const agentTokenPath = writeSecret(join(o.dir, `${DEMO_AGENT_TOKEN.name}.token`), agent.token);
    return { ciTokenPath, agentTokenPath, ciToken: ci.token, agentToken: agent.token };
  } finally {
    await store.close();
  }
}

function writeSecret(path: string, secret: string): string {
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on write
  return path;
}
