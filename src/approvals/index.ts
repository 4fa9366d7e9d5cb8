/** Public face of the approvals area: machine requests held until a person approves them (issue #13 §4). */
export { heldRequest, bodySha256, newApprovalId, actionsNeedingApproval, REPLAYED_HEADERS, type HoldInput } from './hold.ts';
export { viewOf, checkDecidable, verifiedBody, type ApprovalView, type DecideRules } from './state.ts';
export * as approvalErrors from './errors.ts';
