import { configSchema, type AirlockConfig } from '../../../src/config/schema/index.ts';
import { Secret } from '../../../src/config/secret.ts';
import type { Subject } from '../../../src/policy/index.ts';

/** A real config parsed by the real schema; `extra` is merged at the top level. */
export function makeConfig(extra: Record<string, unknown> = {}): AirlockConfig {
  return configSchema.parse({
    public_url: 'http://localhost:8080',
    idp: { issuer: 'http://localhost:9000', allow_insecure_http: true, client_id: 'airlock', client_secret: new Secret('s', 'test') },
    roles: { admins: 'Admin', ops: 'Op', 'data-eng': 'User', viewers: 'Viewer', oncall: 'User' },
    environments: {
      prod: { host: 'prod.example.com', upstream: 'http://127.0.0.1:1', airflow: 2 },
      dev: { host: 'dev.example.com', upstream: 'http://127.0.0.1:2', airflow: 3 },
    },
    ...extra,
  });
}

export function person(username: string, groups: string[], roles: string[], mfaAt?: number): Subject {
  return { kind: 'person', sub: `sub-${username}`, username, groups, roles, mfa: mfaAt === undefined ? { method: 'none' } : { method: 'webauthn', at: mfaAt } };
}
