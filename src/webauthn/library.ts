/**
 * @simplewebauthn/server, loaded at the first ceremony rather than at start: with its ASN.1/X.509 dependencies it
 * is the largest import of the gateway (about 0.4 s of CPU), and a gateway that never runs a ceremony (WebAuthn
 * off, or nobody enrolling) needs none of it. Both entry points share one module graph.
 */
type Server = typeof import('@simplewebauthn/server');
type Helpers = typeof import('@simplewebauthn/server/helpers');

let server: Promise<Server> | undefined;
let helpers: Promise<Helpers> | undefined;

export function webauthnServer(): Promise<Server> {
  return (server ??= import('@simplewebauthn/server'));
}

export function webauthnHelpers(): Promise<Helpers> {
  return (helpers ??= import('@simplewebauthn/server/helpers'));
}
