import type { AirlockConfig } from './schema/index.ts';
import { formatDuration } from './duration.ts';
import { parseCertificates } from './schema/pem.ts';
import type { UpstreamTlsConfig } from './schema/upstream-tls.ts';

/** ca / client certificate / server name of an upstream's tls, by subject (the key only by where it comes from). */
function tlsSummary(t: UpstreamTlsConfig): string {
  const subject = (pem: string) => {
    const certs = parseCertificates(pem);
    return typeof certs === 'string' ? '?' : `${certs.length} certificate${certs.length === 1 ? '' : 's'}, first ${certs[0]!.subject.replaceAll('\n', ', ')}`;
  };
  const parts = [t.ca !== undefined ? `ca ${subject(t.ca)}` : 'public CAs'];
  if (t.client_cert !== undefined) parts.push(`client certificate ${subject(t.client_cert)} (key from ${t.client_key?.source ?? '?'})`);
  if (t.server_name !== undefined) parts.push(`server_name ${t.server_name}`);
  return parts.join('; ');
}

/** A short human summary of a loaded config for `airlock check-config`. Never includes a secret value. */
export function summarizeConfig(cfg: AirlockConfig, source: string): string {
  const lines: string[] = [`config OK: ${source}`];
  lines.push(`public_url: ${cfg.public_url}   listen: ${cfg.listen.host}:${cfg.listen.port}   workers: ${cfg.workers}`);
  lines.push(`idp: issuer ${cfg.idp.issuer} (client_id ${cfg.idp.client_id}, ${cfg.idp.token_endpoint_auth_method}, groups claim "${cfg.idp.claims.groups}")`);
  lines.push(cfg.store.kind === 'sqlite' ? `store: sqlite ${cfg.store.path}` : `store: postgres (url from ${cfg.store.url.source}, pool ${cfg.store.pool})`);
  lines.push(`session: idle ${formatDuration(cfg.session.idle_timeout)}, absolute ${formatDuration(cfg.session.absolute_timeout)}, up to ${cfg.session.cache_entries} cached per worker; cookie ${cfg.cookie.name}`);
  lines.push('environments:');
  for (const [name, e] of Object.entries(cfg.environments)) {
    const select = [e.host ? `host ${e.host}` : undefined, e.path_prefix ? `path ${e.path_prefix}` : undefined].filter(Boolean).join(', ');
    lines.push(`  ${name}: ${select} -> ${e.upstream} (Airflow ${e.airflow})${e.tls ? `; tls: ${tlsSummary(e.tls)}` : ''}`);
  }
  const roles = Object.entries(cfg.roles);
  lines.push(roles.length === 0 ? 'roles: none mapped (nobody gets an Airflow role from IdP groups)' : 'roles:');
  for (const [group, list] of roles) lines.push(`  ${group} -> ${list.join(', ')}`);
  return lines.join('\n');
}
