/** How the gateway verified a second factor (or that none was). */
export interface MfaState {
  readonly method: 'webauthn' | 'idp' | 'none';
  /** Epoch ms of the verification, when there was one. */
  readonly at?: number;
  readonly credentialId?: string;
}

/** What the gateway knows about a machine caller (an Airlock token or an IdP-issued workload JWT). */
export interface MachineFacts {
  /** The Airlock token's name (absent for a workload JWT). */
  readonly tokenName?: string;
  /** The configured service account the caller acts as. */
  readonly serviceAccount?: string;
  /** The person who owns the token and answers for it (the assertion's `act`). */
  readonly owner?: { readonly sub: string; readonly username: string };
  /** A workload JWT's issuer and subject claim. */
  readonly issuer?: string;
  readonly workloadSubject?: string;
  /** A held request performed on a person's approval: the approver and the approval (the assertion's `approved_by`). */
  readonly approvedBy?: { readonly sub: string; readonly username: string; readonly approvalId: string };
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
  /** Set for machine callers (tokens, workload JWTs): token name, service account, owner. */
  readonly machine?: MachineFacts;
  readonly mfa: MfaState;
  /** Epoch ms of the IdP login (auth_time when the IdP sends it). */
  readonly authTime?: number;
}
