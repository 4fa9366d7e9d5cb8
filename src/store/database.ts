import type { AuditTables } from './tables/audit.ts';
import type { LoginStateTables } from './tables/login-states.ts';
import type { MigrationTables } from './tables/migrations.ts';
import type { SessionTables } from './tables/sessions.ts';
import type { SigningKeyTables } from './tables/signing-keys.ts';
import type { UserTables } from './tables/users.ts';
import type { WebauthnTables } from './tables/webauthn.ts';
import type { TokenTables } from './tables/tokens.ts';
import type { ReplayGuardTables } from './tables/replay-guards.ts';
import type { ScimTables } from './tables/scim.ts';
import type { ApprovalTables } from './tables/approvals.ts';
import type { DeviceGrantTables } from './tables/device-grants.ts';

/**
 * The Kysely schema of the whole store, composed from one interface per table file in ./tables.
 * A later issue adds its table by adding a file in ./tables and its interface to this list.
 */
export interface Database extends MigrationTables, SessionTables, UserTables, SigningKeyTables, LoginStateTables, AuditTables, WebauthnTables, TokenTables, ReplayGuardTables, ScimTables, DeviceGrantTables, ApprovalTables {}
