import type { X509Certificate } from 'node:crypto';
import { parseCertificates, rpIdCovers, type AirlockConfig } from '../config/index.ts';
import { coseAlgorithmIds } from './algorithms.ts';
import { KNOWN_AUTHENTICATORS } from './aaguid-names.ts';

type WebauthnConfig = AirlockConfig['webauthn'];

/** The `webauthn:` section compiled once per config snapshot (sets, ids, origin). Frozen. */
export interface CompiledWebauthn {
  readonly rpId: string;
  readonly rpName: string;
  /** The one origin ceremonies must come from (public_url's origin). */
  readonly origin: string;
  readonly userVerification: 'required' | 'preferred';
  readonly attestation: 'none' | 'direct';
  readonly allowedAaguids: ReadonlySet<string>;
  /** With attestation "direct": the roots an attestation chain must lead to. */
  readonly attestationRoots: readonly X509Certificate[];
  readonly attachment: 'any' | 'platform' | 'cross-platform';
  readonly algorithms: readonly number[];
  readonly requiredRoles: ReadonlySet<string>;
  readonly requiredGroups: ReadonlySet<string>;
  readonly verifyEnrolledUsers: boolean;
  readonly onCounterRegression: 'disable' | 'refuse';
  readonly challengeTtl: number;
  readonly manageWithin: number;
  readonly maxKeys: number;
  readonly names: ReadonlyMap<string, string>;
  readonly passwordless: { readonly enabled: boolean; readonly maxIdpLoginAge: number };
  readonly idpMfa: {
    readonly accept: boolean;
    readonly amr: ReadonlySet<string>;
    readonly acr: ReadonlySet<string>;
    readonly maxAge: number;
    readonly withoutAuthTime: 'refuse' | 'login_time';
  };
}

const compiled = new WeakMap<object, CompiledWebauthn>();

/** The compiled section of a loaded config; built on first use and kept as long as the config object lives. */
export function webauthnFor(config: AirlockConfig): CompiledWebauthn {
  let c = compiled.get(config);
  if (!c) {
    c = compileWebauthn(config.webauthn, config.public_url);
    compiled.set(config, c);
  }
  return c;
}

export function compileWebauthn(cfg: WebauthnConfig, publicUrl: string): CompiledWebauthn {
  const url = new URL(publicUrl);
  const host = url.hostname.toLowerCase();
  const rpId = cfg.rp_id ?? host;
  if (!rpIdCovers(rpId, host)) {
    throw new TypeError(`webauthn.rp_id "${rpId}" must be the host of public_url (${host}) or a parent domain of it`);
  }
  const roles = new Set<string>();
  const groups = new Set<string>();
  for (const s of cfg.required_for) {
    if (s.startsWith('group:')) groups.add(s.slice(6));
    else if (s.startsWith('role:')) roles.add(s.slice(5));
    else roles.add(s);
  }
  return Object.freeze({
    rpId,
    rpName: cfg.rp_name,
    origin: url.origin,
    userVerification: cfg.user_verification,
    attestation: cfg.attestation,
    allowedAaguids: new Set(cfg.allowed_aaguids),
    attestationRoots: Object.freeze(rootsOf(cfg.attestation_roots)),
    attachment: cfg.authenticator_attachment,
    algorithms: Object.freeze(coseAlgorithmIds(cfg.algorithms)),
    requiredRoles: roles,
    requiredGroups: groups,
    verifyEnrolledUsers: cfg.verify_enrolled_users,
    onCounterRegression: cfg.on_counter_regression,
    challengeTtl: cfg.challenge_ttl,
    manageWithin: cfg.manage_within,
    maxKeys: cfg.max_keys,
    names: new Map([...KNOWN_AUTHENTICATORS, ...Object.entries(cfg.authenticator_names)]),
    passwordless: Object.freeze({ enabled: cfg.passwordless.enabled, maxIdpLoginAge: cfg.passwordless.max_idp_login_age }),
    idpMfa: Object.freeze({
      accept: cfg.idp_mfa.accept,
      amr: new Set(cfg.idp_mfa.amr),
      acr: new Set(cfg.idp_mfa.acr),
      maxAge: cfg.idp_mfa.max_age,
      withoutAuthTime: cfg.idp_mfa.without_auth_time,
    }),
  });
}

function rootsOf(pem: string | undefined): X509Certificate[] {
  if (pem === undefined) return [];
  const certs = parseCertificates(pem);
  if (typeof certs === 'string') throw new TypeError(`webauthn.attestation_roots ${certs}`);
  return certs;
}
