import { defineError } from '../errors/index.ts';

/** Every error code of the proxy area (documented in docs/errors.md, section "proxy"). */

// Framing (checkFraming, installClientErrorHandler)
export const MissingHost = defineError('AIRLOCK_PROXY_MISSING_HOST', 400, 'The request has no Host header.');
export const DuplicateHost = defineError('AIRLOCK_PROXY_DUPLICATE_HOST', 400, 'The request has more than one Host header.');
export const DuplicateContentLength = defineError('AIRLOCK_PROXY_DUPLICATE_CONTENT_LENGTH', 400, 'The request has more than one Content-Length header.');
export const ContentLengthWithTransferEncoding = defineError('AIRLOCK_PROXY_CL_TE', 400, 'The request has both Content-Length and Transfer-Encoding.');
export const BadTransferEncoding = defineError('AIRLOCK_PROXY_BAD_TRANSFER_ENCODING', 400, 'Only "Transfer-Encoding: chunked" is accepted.');
export const MalformedRequest = defineError('AIRLOCK_PROXY_MALFORMED_REQUEST', 400, 'The request could not be parsed.');
export const HeadersTooLarge = defineError('AIRLOCK_PROXY_HEADERS_TOO_LARGE', 431, 'The request headers are too large.');
export const RequestTimeout = defineError('AIRLOCK_PROXY_REQUEST_TIMEOUT', 408, 'The request was not received in time.');
export const UnexpectedBody = defineError('AIRLOCK_PROXY_UNEXPECTED_BODY', 400, 'This request may not carry a body (GET, HEAD, and DELETE on Airflow routes).');

// Environment selection
export const BadHost = defineError('AIRLOCK_PROXY_BAD_HOST', 400, 'The Host header is not a valid host name.');
export const UnknownHost = defineError('AIRLOCK_PROXY_UNKNOWN_HOST', 421, 'This host is not served here.');
export const NoEnvironment = defineError('AIRLOCK_PROXY_NO_ENVIRONMENT', 404, 'No Airflow environment is served at this path.');

// Header hygiene and client address
export const BadHeader = defineError('AIRLOCK_PROXY_BAD_HEADER', 400, 'The request carries a header the gateway refuses.');
export const BadForwarded = defineError('AIRLOCK_PROXY_BAD_FORWARDED', 400, 'A trusted proxy sent an invalid X-Forwarded-* header.');

// Forwarding
export const UpstreamUnavailable = defineError('AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE', 502, 'Airflow is not reachable right now. Try again in a moment.');
export const UpstreamTimeout = defineError('AIRLOCK_PROXY_UPSTREAM_TIMEOUT', 504, 'Airflow did not answer in time. Try again in a moment.');
export const BadUpstreamResponse = defineError('AIRLOCK_PROXY_BAD_UPSTREAM_RESPONSE', 502, 'Airflow sent a response the gateway cannot relay.');
export const ClientAborted = defineError('AIRLOCK_PROXY_CLIENT_ABORTED', 499, 'The client went away before the response was sent.');
export const DagFilterMissing = defineError('AIRLOCK_PROXY_DAG_FILTER_MISSING', 502, "Airflow did not confirm that it filtered this DAG list, so the gateway withheld it. Ask your administrator to check Airflow's Airlock integration.");
export const WebSocketOrigin = defineError('AIRLOCK_PROXY_WEBSOCKET_ORIGIN', 403, 'WebSocket connections are accepted only from this site (the Origin header names another).');
export const BadUpgrade = defineError('AIRLOCK_PROXY_BAD_UPGRADE', 400, 'Only WebSocket upgrades (GET, Upgrade: websocket) are accepted.');
