export { createDevIdp } from './create-dev-idp.ts';
export { DEMO_USERS, subjectOf } from './demo-users.ts';
export type { DemoUser, DevIdp, DevIdpClient, DevIdpOptions } from './types.ts';
