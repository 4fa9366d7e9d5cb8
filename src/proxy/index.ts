/**
 * The proxy area: framing checks, environment selection, header hygiene, client address, upstream
 * pools, forwarding and WebSocket tunnelling. See docs/proxy.md.
 */
export { checkFraming } from './framing.ts';
export { installClientErrorHandler } from './client-error.ts';
export { writeRawErrorResponse } from './raw-response.ts';
export { compileEnvironments, selectEnvironment, isPublicHost, type CompiledEnvironments, type SelectedEnvironment, type EnvironmentConfig } from './environments.ts';
export { compileTrustedProxies, clientAddress, type TrustedProxies, type ClientAddress } from './trusted-proxies.ts';
export { sanitizeRequestHeaders, type SanitizeOptions, type ForwardHeaders } from './sanitize-headers.ts';
export { encodeHeaderValue } from './header-value.ts';
export { isApiRequest } from './api-request.ts';
export { Upstreams, type Upstream, type UpstreamsOptions } from './upstreams.ts';
export { forwardRequest, type ForwardOptions, type ForwardResult } from './forward.ts';
export { tunnelWebSocket, type TunnelOptions, type TunnelResult } from './websocket.ts';
export * as proxyErrors from './errors.ts';
// identity assertion (owned by the lead: assertion.ts, assertion-cache.ts)
export { mintAssertion, assertionAmr, ASSERTION_VERSION, ASSERTION_HEADER, MAX_ASSERTION_TTL_MS, type MintOptions } from './assertion.ts';
export { AssertionCache } from './assertion-cache.ts';
