import { defineError } from '../errors/index.ts';

/**
 * SCIM 2.0 errors (docs/scim.md). The SCIM endpoints answer them in RFC 7644's error shape
 * (`urn:ietf:params:scim:api:messages:2.0:Error`, `status`, `scimType` from `details.scimType`, `detail`);
 * the Airlock code travels in the `X-Airlock-Error` header.
 */
export const ScimUnauthorized = defineError('AIRLOCK_SCIM_UNAUTHORIZED', 401, 'A valid SCIM bearer token is required.');
export const ScimInvalidSyntax = defineError('AIRLOCK_SCIM_INVALID_SYNTAX', 400, 'The request body is not a valid SCIM message.');
export const ScimInvalidFilter = defineError('AIRLOCK_SCIM_INVALID_FILTER', 400, 'The filter is not supported.');
export const ScimInvalidValue = defineError('AIRLOCK_SCIM_INVALID_VALUE', 400, 'A value in the request is missing or invalid.');
export const ScimInvalidPath = defineError('AIRLOCK_SCIM_INVALID_PATH', 400, 'The PATCH path is invalid.');
export const ScimMutability = defineError('AIRLOCK_SCIM_MUTABILITY', 400, 'This attribute cannot be changed.');
export const ScimUniqueness = defineError('AIRLOCK_SCIM_UNIQUENESS', 409, 'A resource with this name already exists.');
export const ScimNotFound = defineError('AIRLOCK_SCIM_NOT_FOUND', 404, 'No such SCIM resource.');
export const ScimBodyTooLarge = defineError('AIRLOCK_SCIM_BODY_TOO_LARGE', 413, 'The request body is too large.');
export const ScimUnsupportedMediaType = defineError('AIRLOCK_SCIM_UNSUPPORTED_MEDIA_TYPE', 415, 'Send the body as application/scim+json (or application/json).');
/** Sign-in (or a claims refresh) of a person whose SCIM record is deactivated or deleted. */
export const ScimUserInactive = defineError('AIRLOCK_SCIM_USER_INACTIVE', 403, 'Your account is deactivated for Airflow. Ask your administrator to reactivate it.');

const invalid = (f: typeof ScimInvalidValue | typeof ScimInvalidSyntax | typeof ScimInvalidPath | typeof ScimInvalidFilter | typeof ScimMutability, scimType: string) => (message: string) =>
  f.create({ message, logMessage: `SCIM: ${message}`, details: { scimType } });

export const badSyntax = invalid(ScimInvalidSyntax, 'invalidSyntax');
export const badValue = invalid(ScimInvalidValue, 'invalidValue');
export const badPath = invalid(ScimInvalidPath, 'invalidPath');
export const noTarget = invalid(ScimInvalidPath, 'noTarget');
export const badFilter = invalid(ScimInvalidFilter, 'invalidFilter');
export const immutable = invalid(ScimMutability, 'mutability');
export const notUnique = (message: string) => ScimUniqueness.create({ message, logMessage: `SCIM: ${message}`, details: { scimType: 'uniqueness' } });
export const notFound = (what: string) => ScimNotFound.create({ message: `${what} not found.`, logMessage: `SCIM: ${what} not found` });
