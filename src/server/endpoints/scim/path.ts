export const SCIM_PREFIX = '/.airlock/scim/v2';

/** Whether a gateway path is a SCIM endpoint (/.airlock/scim/v2 and below). */
export function isScimPath(pathname: string): boolean {
  return pathname === SCIM_PREFIX || pathname.startsWith(`${SCIM_PREFIX}/`);
}
