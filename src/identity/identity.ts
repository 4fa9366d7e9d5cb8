/** How the gateway verified a second factor (or that none was). */
export interface MfaState {
  readonly method: 'webauthn' | 'idp' | 'none';
  /** Epoch ms of the verification, when there was one. */
  readonly at?: number;
  readonly credentialId?: string;
}

/**
 * The one identity shape for people and machines. The IdP's groups are kept as given;
 * roles are derived from them by config (the `roles:` mapping).
 */
export interface Identity {
  readonly kind: 'person' | 'service' | 'agent';
  readonly sub: string;
  readonly username: string;
  readonly email: string | undefined;
  readonly name: string | undefined;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  readonly sessionId?: string;
  readonly tokenId?: string;
  readonly mfa: MfaState;
  /** Epoch ms of the IdP login (auth_time when the IdP sends it). */
  readonly authTime?: number;
}
