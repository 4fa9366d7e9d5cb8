import type { DemoUser } from './idp/index.ts';
import { DEMO_ROLES } from './demo-config.ts';

/** The role a demo user should see, from the demo's group -> role mapping. */
export function expectedRoles(user: DemoUser): string[] {
  return [...new Set(user.groups.map((g) => DEMO_ROLES[g]).filter((r): r is string => r !== undefined))];
}

/** Where the demo's token secrets are (the banner names the files, never the secrets). */
export interface DemoTokenFiles {
  readonly ciTokenPath: string;
  readonly agentTokenPath: string;
}

/** Single-quotes a path for a POSIX shell. */
const sh = (s: string) => (/^[A-Za-z0-9_./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Ready-to-paste curl commands for the demo's CI token and agent token (see demo/demo-tokens.ts). */
export function tokenLines(gatewayUrl: string, t: DemoTokenFiles): string[] {
  const auth = (p: string) => `-H "Authorization: Bearer $(cat ${sh(p)})"`;
  const post = (p: string, dag: string) => `curl -s -X POST ${auth(p)} -H 'Content-Type: application/json' -d '{}' ${gatewayUrl}/api/v1/dags/${dag}/dagRuns`;
  return [
    '  Machine identities (docs/machine-identities.md): two tokens were issued at start, secrets in files (mode 0600).',
    `    CI token "etl-ci" (service account etl-ci, role User; prod, DAG example_etl, read + trigger, 24 h): ${t.ciTokenPath}`,
    '      its runs of example_etl (200):',
    `        curl -s ${auth(t.ciTokenPath)} ${gatewayUrl}/api/v1/dags/example_etl/dagRuns`,
    '      trigger example_etl (200):',
    `        ${post(t.ciTokenPath, 'example_etl')}`,
    '      trigger finance_daily (403 AIRLOCK_TOKEN_SCOPE, JSON with the reason):',
    `        ${post(t.ciTokenPath, 'finance_daily')}`,
    `    AI agent token "demo-agent" (kind agent, acts for bob; prod, every DAG, read + trigger): ${t.agentTokenPath}`,
    '      what it may do, and which actions wait for a person:',
    `        curl -s ${auth(t.agentTokenPath)} ${gatewayUrl}/.airlock/token/self`,
    '      list DAGs (200, no approval for reads):',
    `        curl -s ${auth(t.agentTokenPath)} ${gatewayUrl}/api/v1/dags`,
    '      trigger example_etl: held, 202 with an approval id and a status_url (approvals.agent_actions in prod):',
    `        ${post(t.agentTokenPath, 'example_etl')}`,
    '      open the status_url in a browser, sign in as alice (bob owns the agent, so he may not approve it) and confirm',
    '      with a security key (a real one, or Chrome DevTools > More tools > WebAuthn > "Enable virtual authenticator"),',
    '      then Approve: the gateway performs the trigger once. The agent polls the same URL:',
    `        curl -s ${auth(t.agentTokenPath)} <status_url>`,
  ];
}

export function demoBanner(o: { gatewayUrl: string; issuer: string; users: readonly DemoUser[]; configPath: string; tokens?: DemoTokenFiles | undefined }): string {
  const width = Math.max(...o.users.map((u) => u.username.length)) + 2;
  const pwWidth = Math.max(...o.users.map((u) => u.password.length)) + 2;
  const lines = o.users.map((u) => {
    const roles = expectedRoles(u);
    const role = roles.length ? roles.join(', ') : `no role (groups: ${u.groups.join(', ')}) -> sees the 403 page`;
    return `    ${u.username.padEnd(width)}${u.password.padEnd(pwWidth)}${role}`;
  });
  return [
    '',
    '  Airlock demo is running',
    '',
    `  Open ${o.gatewayUrl}/          Airflow 2 (environment "prod")`,
    `       ${o.gatewayUrl}/dev/      Airflow 3 (environment "dev")`,
    '',
    '  Log in as any of these users (dev IdP at ' + o.issuer + '):',
    '',
    `    ${'user'.padEnd(width)}${'password'.padEnd(pwWidth)}role in Airflow`,
    ...lines,
    '',
    '  Per-DAG rules: dave (analysts) sees only reporting_hourly, on /home and in /api/v1/dags;',
    '    carol (User) may not trigger finance_daily, bob (Op) may.',
    '',
    '  Joiners and leavers: open the dev IdP admin page ' + o.issuer + '/admin',
    '    remove dave from "analysts": his next request after 30 s (session.claims_max_age) is refused;',
    '    "Sign out everywhere" ends his sessions at once (back-channel logout).',
    '    Or from a shell:  node bin/airlock.js sessions list --config ' + o.configPath,
    '',
    ...(o.tokens ? [...tokenLines(o.gatewayUrl, o.tokens), ''] : []),
    `  Sign out: ${o.gatewayUrl}/.airlock/logout     Config: ${o.configPath}`,
    '  Stop: press Ctrl+C',
    '',
  ].join('\n');
}
