import type { JWK } from 'jose';
import type Provider from 'oidc-provider';

/** A person who can log in at the dev IdP. */
export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
  /**
   * Send the groups as a distributed claim (`_claim_names`/`_claim_sources`, OIDC Core 5.6.2) instead of in the
   * token, as Entra ID does for an account in more than 200 groups ("group overage"). Tests only.
   */
  readonly distributedGroups?: boolean;
}

export interface DevIdpClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** Public keys of the client, for private_key_jwt. */
  jwks?: { keys: JWK[] };
}

export interface DevIdpOptions {
  /** 0 (default) = ephemeral. */
  port?: number;
  /** Host name to listen on and to put in the issuer; default "localhost". */
  host?: string;
  /** Default: the demo users (alice, bob, carol, dave, erin). */
  users?: DemoUser[];
  clients: DevIdpClient[];
  /** Claim that carries the groups; default "groups" (e.g. "https://example.com/groups", Auth0 style). */
  groupsClaim?: string;
  /** Emitted in ID tokens when set. */
  amr?: string[];
  /** Emitted in ID tokens when set. */
  acr?: string;
  /** ID token lifetime; default 3600. */
  idTokenTtlSeconds?: number;
}

export interface DevIdp {
  /** http://<host>:<port> */
  readonly issuer: string;
  /** The current oidc-provider instance (a new one after rotateSigningKey). */
  readonly provider: Provider;
  readonly users: DemoUser[];
  /** Adds a signing key with a new kid; tokens issued afterwards are signed with it, older keys stay published. */
  rotateSigningKey(): Promise<void>;
  close(): Promise<void>;
}
