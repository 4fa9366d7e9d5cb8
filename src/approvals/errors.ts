import { defineError } from '../errors/index.ts';

// Holding a request
export const ApprovalBodyTooLarge = defineError('AIRLOCK_APPROVAL_BODY_TOO_LARGE', 413, 'The request body is too large to be held for approval.');

// Reading and deciding an approval
export const ApprovalNotFound = defineError('AIRLOCK_APPROVAL_NOT_FOUND', 404, 'There is no such approval request.');
export const ApprovalNotRequester = defineError('AIRLOCK_APPROVAL_NOT_REQUESTER', 403, 'Only the token that made this request can read its status.');
export const ApprovalNotPending = defineError('AIRLOCK_APPROVAL_NOT_PENDING', 409, 'This request has already been decided; a decision cannot be made or replayed twice.');
export const ApprovalExpired = defineError('AIRLOCK_APPROVAL_EXPIRED', 410, 'This approval request has expired. The requester must send the request again.');
export const ApprovalPersonRequired = defineError('AIRLOCK_APPROVAL_PERSON_REQUIRED', 403, 'Only a person signed in with a browser can approve or deny a held request.');
export const ApprovalSelf = defineError('AIRLOCK_APPROVAL_SELF', 403, 'You cannot approve or deny a request made with your own token.');
export const ApprovalNotAllowed = defineError('AIRLOCK_APPROVAL_NOT_ALLOWED', 403, 'You are not allowed to take this action yourself, so you cannot approve it.');
export const ApprovalStepUpRequired = defineError('AIRLOCK_APPROVAL_STEP_UP_REQUIRED', 401, 'Confirm with your security key before approving.');
export const ApprovalHashMismatch = defineError('AIRLOCK_APPROVAL_HASH_MISMATCH', 409, 'The request you approved is not the one held (its body hash differs). Review it again.');
export const ApprovalBodyCorrupt = defineError('AIRLOCK_APPROVAL_BODY_CORRUPT', 500, 'The held request failed its integrity check and was not performed.');
