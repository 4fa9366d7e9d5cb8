export { newSessionId, hashSessionId, isWellFormedSessionId, sessionHandle } from './session-id.ts';
export type { SessionRecord } from './record.ts';
export { SessionManager, TOUCH_INTERVAL_MS, type SessionManagerOptions, type SessionTimeouts } from './manager.ts';
export type { RevocationBus, RevocationMessage, RevocationListener, BusLogger } from './bus/message.ts';
export { localBus } from './bus/local.ts';
export { clusterBus, installClusterRevocationRelay } from './bus/cluster.ts';
export { postgresBus, type PostgresBusOptions } from './bus/postgres.ts';
export { cookieSettings, serializeSessionCookie, clearSessionCookie, readSessionCookie, type CookieSettings, type CookieInput } from './cookie.ts';
export { SessionBusUnavailable } from './errors.ts';
