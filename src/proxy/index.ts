/**
 * The proxy area: framing checks, environment selection, header hygiene, client address, upstream
 * pools, forwarding and WebSocket tunnelling. See docs/proxy.md.
 */
export { checkFraming, declaresBody, refuseBody } from './framing.ts';
export { installClientErrorHandler } from './client-error.ts';
export { writeRawErrorResponse } from './raw-response.ts';
export { compileEnvironments, selectEnvironment, isPublicHost, type CompiledEnvironments, type SelectedEnvironment, type EnvironmentConfig } from './environments.ts';
export { compileTrustedProxies, clientAddress, type TrustedProxies, type ClientAddress } from './trusted-proxies.ts';
export { AUTHZ_PATH, isAuthzTarget, isTrustedPeer, readOriginalRequest, type IngressKind, type OriginalRequest } from './forward-auth-request.ts';
export * as forwardAuthErrors from './forward-auth-errors.ts';
export { sanitizeRequestHeaders, type SanitizeOptions, type ForwardHeaders } from './sanitize-headers.ts';
export { STRIPPED_REQUEST_HEADERS, isStrippedHeader, type StrippedHeader, type StrippedKind } from './stripped-headers.ts';
export { encodeHeaderValue } from './header-value.ts';
export { isApiRequest } from './api-request.ts';
export { Upstreams, type Upstream, type UpstreamsOptions } from './upstreams.ts';
export { forwardRequest, type ForwardOptions, type ForwardResult } from './forward.ts';
export { forwardBuffered, type BufferedForwardOptions, type BufferedForwardResult } from './forward-buffered.ts';
export { tunnelWebSocket, type TunnelOptions, type TunnelResult } from './websocket.ts';
export { checkWebSocketOrigin } from './websocket-origin.ts';
export * as proxyErrors from './errors.ts';
// identity assertion (owned by the lead: assertion.ts, assertion-cache.ts)
export { mintAssertion, assertionAmr, ASSERTION_VERSION, ASSERTION_HEADER, MAX_ASSERTION_TTL_MS, DAG_FILTER_HEADER, DAG_FILTER_APPLIED, type MintOptions } from './assertion.ts';
export { AssertionCache } from './assertion-cache.ts';
export { ANONYMOUS_CALLER, DAG_METADATA_READER, DAG_METADATA_READER_ROLE, isAnonymousCaller } from './gateway-principals.ts';
