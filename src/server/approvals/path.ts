export const APPROVAL_PREFIX = '/.airlock/approvals/';

/** Whether a gateway path is an approval's (/.airlock/approvals/<id>[/approve|/deny]). */
export function isApprovalPath(pathname: string): boolean {
  return pathname.startsWith(APPROVAL_PREFIX);
}
