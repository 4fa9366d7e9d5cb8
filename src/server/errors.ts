import { defineError } from '../errors/index.ts';

export const NotAuthenticated = defineError('AIRLOCK_SERVER_NOT_AUTHENTICATED', 401, 'Sign in to continue.');
export const BearerNotSupported = defineError('AIRLOCK_SERVER_BEARER_UNSUPPORTED', 401, 'This gateway does not accept this Authorization header. Send an Airlock token or a workload JWT of a configured issuer as "Authorization: Bearer <token>", or use a browser session.');
export const NoRole = defineError('AIRLOCK_SERVER_NO_ROLE', 403, 'Your account has no Airflow role here.');
export const Forbidden = defineError('AIRLOCK_SERVER_FORBIDDEN', 403, 'You may not do this.');
export const StepUpRequired = defineError('AIRLOCK_SERVER_STEP_UP_REQUIRED', 401, 'This action needs a fresh confirmation with your security key.');
export const MethodNotAllowed = defineError('AIRLOCK_SERVER_METHOD_NOT_ALLOWED', 405, 'This method is not allowed here.');
export const GatewayNotFound = defineError('AIRLOCK_SERVER_NOT_FOUND', 404, 'There is no such Airlock page.');
export const CrossOrigin = defineError('AIRLOCK_SERVER_CROSS_ORIGIN', 403, 'This request came from another site and was refused.');
export const BodyTooLarge = defineError('AIRLOCK_SERVER_BODY_TOO_LARGE', 413, 'The request body is too large for this route.');
export const Internal = defineError('AIRLOCK_SERVER_INTERNAL', 500, 'Something went wrong inside the gateway. The request was not forwarded.');
export const NotReady = defineError('AIRLOCK_SERVER_NOT_READY', 503, 'The gateway is not ready.');
