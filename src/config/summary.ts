import type { AirlockConfig } from './schema/index.ts';
import { formatDuration } from './duration.ts';

/** A short human summary of a loaded config for `airlock check-config`. Never includes a secret value. */
export function summarizeConfig(cfg: AirlockConfig, source: string): string {
  const lines: string[] = [`config OK: ${source}`];
  lines.push(`public_url: ${cfg.public_url}   listen: ${cfg.listen.host}:${cfg.listen.port}   workers: ${cfg.workers}`);
  lines.push(`idp: issuer ${cfg.idp.issuer} (client_id ${cfg.idp.client_id}, ${cfg.idp.token_endpoint_auth_method}, groups claim "${cfg.idp.claims.groups}")`);
  lines.push(cfg.store.kind === 'sqlite' ? `store: sqlite ${cfg.store.path}` : `store: postgres (url from ${cfg.store.url.source}, pool ${cfg.store.pool})`);
  lines.push(`session: idle ${formatDuration(cfg.session.idle_timeout)}, absolute ${formatDuration(cfg.session.absolute_timeout)}; cookie ${cfg.cookie.name}`);
  lines.push('environments:');
  for (const [name, e] of Object.entries(cfg.environments)) {
    const select = [e.host ? `host ${e.host}` : undefined, e.path_prefix ? `path ${e.path_prefix}` : undefined].filter(Boolean).join(', ');
    lines.push(`  ${name}: ${select} -> ${e.upstream} (Airflow ${e.airflow})`);
  }
  const roles = Object.entries(cfg.roles);
  lines.push(roles.length === 0 ? 'roles: none mapped (nobody gets an Airflow role from IdP groups)' : 'roles:');
  for (const [group, list] of roles) lines.push(`  ${group} -> ${list.join(', ')}`);
  return lines.join('\n');
}
