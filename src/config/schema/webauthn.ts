import { z } from 'zod';
import { duration, text } from './common.ts';
import { parseCertificates } from './pem.ts';

/**
 * The `webauthn:` section: who must use a security key, how strictly keys are verified, passwordless login
 * and IdP MFA acceptance. WHICH actions need a fresh second factor and how fresh is `policy.step_up`
 * (the policy area); see docs/webauthn.md for how the two combine.
 */

/** "role:<Airflow role>", "group:<IdP group>", or a bare Airflow role name ("Admin" = "role:Admin"). */
const requiredSubject = z
  .string()
  .regex(/^((role|group):.+|[A-Za-z][A-Za-z0-9 _-]{0,63})$/, 'must be "role:NAME", "group:NAME" or a role name such as "Admin"');

const aaguid = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be an AAGUID such as "cb69481e-8ff7-4039-93ec-0a2729a154a8"'));

const FIVE_MINUTES = 5 * 60_000;

const idpMfaSchema = z
  .strictObject({
    /** Count MFA the IdP performed (amr / acr in the ID token) as the second factor. */
    accept: z.boolean().default(false),
    /** An amr value from this list counts (RFC 8176: hwk, webauthn, mfa, otp, ...). */
    amr: z.array(z.string().min(1)).default([]),
    /** An acr from this list counts (exact match). */
    acr: z.array(z.string().min(1)).default([]),
    /** The IdP's authentication (auth_time) must be at most this old when the login completes. */
    max_age: duration.default(15 * 60_000),
    /**
     * When the ID token has no auth_time: "refuse" (IdP MFA does not count) or "login_time" (trust that the
     * IdP authenticated just now and use the time the callback arrived).
     */
    without_auth_time: z.enum(['refuse', 'login_time']).default('refuse'),
  })
  .superRefine((v, ctx) => {
    if (v.accept === true && Array.isArray(v.amr) && Array.isArray(v.acr) && v.amr.length === 0 && v.acr.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['accept'], message: 'list at least one value in amr or acr' });
    }
  });

const passwordlessSchema = z.strictObject({
  /** Log in with a discoverable credential (passkey) without the IdP. */
  enabled: z.boolean().default(false),
  /** Refused when the person's last IdP login is older than this (their groups are that login's). */
  max_idp_login_age: duration.default(7 * 24 * 3_600_000),
});

export const webauthnSchema = z
  .strictObject({
    /** RP ID; defaults to public_url's host name. Must be that host or a registrable suffix of it. */
    rp_id: text.pipe(z.string().regex(/^[a-z0-9.-]+$/, 'must be a lower-case host name')).optional(),
    rp_name: text.pipe(z.string().min(1).max(64)).default('Airlock'),
    /** Who must have (and use) a security key before reaching Airflow. */
    required_for: z.array(requiredSubject).default([]),
    /** "required": PIN/biometric on every ceremony; "preferred": ask for it, accept a touch alone. */
    user_verification: z.enum(['required', 'preferred']).default('required'),
    /** "none": any authenticator (its attestation is not checked); "direct": a verified attestation from an AAGUID in allowed_aaguids. */
    attestation: z.enum(['none', 'direct']).default('none'),
    allowed_aaguids: z.array(aaguid).default([]),
    /** With attestation "direct": PEM root certificates of the makers you trust (e.g. Yubico's); an attestation must chain to one. */
    attestation_roots: text.optional(),
    /** "platform" (built into the device), "cross-platform" (roaming keys: USB/NFC/BLE) or "any". */
    authenticator_attachment: z.enum(['any', 'platform', 'cross-platform']).default('any'),
    /** COSE algorithms accepted for credential keys. */
    algorithms: z.array(z.enum(['ES256', 'EdDSA', 'RS256', 'ES384', 'ES512', 'PS256'])).min(1).default(['ES256', 'EdDSA', 'RS256']),
    /** Users who enrolled a key without having to are asked for it after login too (they may skip it). */
    verify_enrolled_users: z.boolean().default(true),
    /** A non-increasing signature counter: "disable" the credential (and refuse), or only "refuse" the assertion. */
    on_counter_regression: z.enum(['disable', 'refuse']).default('disable'),
    /** Lifetime of a challenge; at most 5m. */
    challenge_ttl: duration.default(2 * 60_000),
    /** Adding a second key or removing one needs a second factor (another key, or an IdP login) this fresh. */
    manage_within: duration.default(FIVE_MINUTES),
    /** Maximum keys per person. */
    max_keys: z.number().int().min(1).max(100).default(10),
    /** Extra or corrected authenticator model names by AAGUID, shown on the key page. */
    authenticator_names: z.record(aaguid, z.string().min(1).max(100)).default({}),
    passwordless: passwordlessSchema.prefault({}),
    idp_mfa: idpMfaSchema.prefault({}),
  })
  .superRefine((v, ctx) => {
    if (typeof v.challenge_ttl === 'number' && (v.challenge_ttl > FIVE_MINUTES || v.challenge_ttl < 10_000)) {
      ctx.addIssue({ code: 'custom', path: ['challenge_ttl'], message: 'must be between 10s and 5m' });
    }
    if (v.attestation === 'direct' && Array.isArray(v.allowed_aaguids) && v.allowed_aaguids.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['allowed_aaguids'], message: 'list the AAGUIDs to accept when attestation is "direct"' });
    }
    if (v.attestation === 'direct' && v.attestation_roots === undefined) {
      ctx.addIssue({ code: 'custom', path: ['attestation_roots'], message: 'required when attestation is "direct": the PEM root certificates of the makers you trust (e.g. ${file:/etc/airlock/yubico-roots.pem} from https://developers.yubico.com/PKI/); without them any software authenticator could claim an allowed AAGUID' });
    }
    if (typeof v.attestation_roots === 'string') {
      const roots = parseCertificates(v.attestation_roots);
      if (typeof roots === 'string') ctx.addIssue({ code: 'custom', path: ['attestation_roots'], message: roots });
      else if (roots.some((r) => !r.ca)) ctx.addIssue({ code: 'custom', path: ['attestation_roots'], message: 'holds a certificate that is not a CA certificate (give the makers\' root certificates)' });
    }
    if (v.attestation === 'none' && v.attestation_roots !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['attestation_roots'], message: 'is checked only with attestation: direct' });
    }
    if (v.attestation === 'none' && Array.isArray(v.allowed_aaguids) && v.allowed_aaguids.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['allowed_aaguids'], message: 'is checked only with attestation: direct (an unattested AAGUID proves nothing)' });
    }
  });

export const webauthnSections = {
  webauthn: webauthnSchema.prefault({}),
};

export type WebauthnConfig = z.infer<typeof webauthnSchema>;
