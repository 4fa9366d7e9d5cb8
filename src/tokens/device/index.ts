/** airlock login: RFC 8628 device authorization (codes, polling, the person's token). */
export { USER_CODE_ALPHABET, USER_CODE_LENGTH, generateUserCode, formatUserCode, normaliseUserCode, generateDeviceCode, hashDeviceCode, isWellFormedDeviceCode } from './user-code.ts';
export { pollOutcome, SLOW_DOWN_STEP_MS, type PollOutcome } from './poll.ts';
export { GuessLimiter, GUESS_LIMIT, GUESS_LIMIT_PER_ADDRESS, GUESS_WINDOW_MS } from './guess-limit.ts';
export { issueDeviceToken, personalTtl } from './issue.ts';
export * as deviceErrors from './errors.ts';
