import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `airlock.yaml` (and its client secret) into `dir` for a gateway that starts without any peer: the IdP
 * and Airflow addresses answer nothing, so it serves (logins get 503 until discovery succeeds), with a SQLite
 * store in `dir`. For tests of `airlock serve` itself (processes, signals, packaging). Returns the config path.
 */
export function writeOfflineGatewayConfig(dir: string, port: number, workers: number): string {
  writeFileSync(join(dir, 'secret'), 'offline-test-secret-0123456789');
  const path = join(dir, 'airlock.yaml');
  writeFileSync(
    path,
    [
      `listen: 127.0.0.1:${port}`,
      `public_url: http://localhost:${port}`,
      `workers: ${workers}`,
      'idp: { issuer: "http://127.0.0.1:9/idp", client_id: airlock, client_secret: "${file:./secret}", allow_insecure_http: true }',
      'roles: { admins: Admin }',
      'environments: { prod: { host: localhost, upstream: "http://127.0.0.1:9", airflow: 2 } }',
      'store: sqlite:./airlock.db',
      '',
    ].join('\n'),
  );
  return path;
}
