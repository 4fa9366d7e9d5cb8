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
    '  Joiners and leavers: open the dev IdP admin page ' + o.issuer + '/admin',
    '    remove dave from "analysts": his next request after 30 s (session.claims_max_age) is refused;',
    '    "Sign out everywhere" ends his sessions at once (back-channel logout).',
    '    Or from a shell:  npx airlock sessions list --config ' + o.configPath,
    '',
    `  Sign out: ${o.gatewayUrl}/.airlock/logout     Config: ${o.configPath}`,
    '  Stop: press Ctrl+C',
    '',
  ].join('\n');
}
