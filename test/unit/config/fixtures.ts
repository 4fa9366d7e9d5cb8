import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A minimal valid config (the caller supplies env S for the client secret). */
export const VALID = `public_url: https://airflow.example.com
idp:
  issuer: https://idp.example.com
  client_id: airlock
  client_secret: \${env:S}
roles:
  airflow-admins: Admin
environments:
  prod: { host: airflow.example.com, upstream: "http://airflow-prod:8080", airflow: 2 }
  dev: { host: airflow-dev.example.com, upstream: "http://airflow-dev:8080", airflow: 3 }
`;

/** A temporary folder removed by cleanup(). */
export function tempDir(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-config-'));
  return {
    dir,
    write(name, text) {
      const full = join(dir, name);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      return full;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
