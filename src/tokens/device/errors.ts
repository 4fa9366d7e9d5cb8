import { defineError } from '../../errors/index.ts';

// airlock login: the device authorization request and its approval page (the token endpoint answers RFC 8628 errors)
export const DeviceRequestInvalid = defineError('AIRLOCK_TOKEN_DEVICE_REQUEST_INVALID', 400, 'This sign-in request is not valid.');
export const DeviceCodeUnknown = defineError('AIRLOCK_TOKEN_DEVICE_CODE_UNKNOWN', 400, 'This code is unknown or has expired. Check the code your terminal shows, or run "airlock login" again.');
export const DeviceGuessesLimited = defineError('AIRLOCK_TOKEN_DEVICE_GUESSES_LIMITED', 429, 'Too many wrong codes. Wait a few minutes before you try again.');
export const DeviceAlreadyDecided = defineError('AIRLOCK_TOKEN_DEVICE_DECIDED', 409, 'This sign-in request was already approved or denied.');
export const DeviceStepUpRequired = defineError('AIRLOCK_TOKEN_DEVICE_STEP_UP_REQUIRED', 401, 'Confirm with your security key before you approve this sign-in.');
