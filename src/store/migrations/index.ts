import { core } from './0001_core.ts';
import { loginStates } from './0002_login_states.ts';
import { audit } from './0003_audit.ts';
import { webauthn } from './0004_webauthn.ts';
import { tokens } from './0005_tokens.ts';
import { sessionRefresh } from './0006_session_refresh.ts';
import { scim } from './0007_scim.ts';
import { approvals } from './0009_approvals.ts';
import { deviceGrants } from './0008_device_grants.ts';
import type { Migration } from './migration.ts';

export type { Migration } from './migration.ts';

/** Every migration, in the order it runs. A new migration: add its file and one line here. */
export const migrations: readonly Migration[] = Object.freeze([
  core,
  loginStates,
  audit,
  webauthn,
  tokens,
  sessionRefresh,
  scim,
  deviceGrants,
  approvals,
]);
