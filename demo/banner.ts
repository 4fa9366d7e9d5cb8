import type { DemoUser } from './idp/index.ts';
import { DEMO_ROLES } from './demo-config.ts';

/** The role a demo user should see, from the demo's group -> role mapping. */
export function expectedRoles(user: DemoUser): string[] {
  return [...new Set(user.groups.map((g) => DEMO_ROLES[g]).filter((r): r is string => r !== undefined))];
}

export function demoBanner(o: { gatewayUrl: string; issuer: string; users: readonly DemoUser[]; configPath: string }): string {
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
    `  Sign out: ${o.gatewayUrl}/.airlock/logout     Config: ${o.configPath}`,
    '  Stop: press Ctrl+C',
    '',
  ].join('\n');
}
