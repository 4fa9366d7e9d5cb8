import { createHash, timingSafeEqual } from 'node:crypto';
import type { ParsedAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { CompiledWebauthn } from './compile.ts';
import {
  BackupFlagsInvalid,
  ChallengeExpired,
  ChallengeMismatch,
  ChallengeUnknown,
  ClientDataType,
  OriginMismatch,
  ResponseMalformed,
  RpIdMismatch,
  UserPresenceMissing,
  UserVerificationMissing,
} from './errors.ts';
import { webauthnHelpers } from './library.ts';
import type { ChallengePurpose, ChallengeRepo, ChallengeRow } from './repo/index.ts';
import { checkAuthenticatorDataLength } from './strict-cbor.ts';

export interface ClientData {
  readonly type: string;
  readonly challenge: string;
  readonly origin: string;
  readonly crossOrigin?: boolean;
  readonly topOrigin?: string;
}

/** Decodes clientDataJSON (base64url of UTF-8 JSON). */
export function decodeClientData(b64: string): ClientData {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
  } catch (cause) {
    throw ResponseMalformed.create({ cause, logMessage: 'clientDataJSON is not JSON' });
  }
  const o = v as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || typeof o.type !== 'string' || typeof o.challenge !== 'string' || typeof o.origin !== 'string') {
    throw ResponseMalformed.create({ logMessage: 'clientDataJSON lacks type, challenge or origin' });
  }
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(o.challenge)) throw ResponseMalformed.create({ logMessage: 'clientDataJSON challenge is not base64url' });
  return {
    type: o.type,
    challenge: o.challenge,
    origin: o.origin,
    ...(typeof o.crossOrigin === 'boolean' ? { crossOrigin: o.crossOrigin } : {}),
    ...(typeof o.topOrigin === 'string' ? { topOrigin: o.topOrigin } : {}),
  };
}

/** The challenge row a response answers: taken (single use) whatever happens next. */
export async function takeChallenge(
  repo: ChallengeRepo,
  cd: ClientData,
  expect: { readonly purposes: readonly ChallengePurpose[]; readonly binding: string; readonly sub: string | null },
  now: number,
): Promise<ChallengeRow> {
  const row = await repo.take(cd.challenge);
  if (!row) throw ChallengeUnknown.create({ logMessage: 'challenge unknown or already answered' });
  if (row.expiresAt <= now) throw ChallengeExpired.create({ logMessage: `challenge expired ${now - row.expiresAt}ms ago` });
  if (!expect.purposes.includes(row.purpose) || !sameText(row.binding, expect.binding) || row.sub !== expect.sub) {
    throw ChallengeMismatch.create({ logMessage: `challenge issued for purpose ${row.purpose} and another session or person` });
  }
  return row;
}

/** Type and origin exactly as expected; cross-origin (iframe) ceremonies are refused. */
export function checkClientData(cd: ClientData, type: 'webauthn.create' | 'webauthn.get', cfg: CompiledWebauthn): void {
  if (cd.type !== type) throw ClientDataType.create({ logMessage: `clientData type ${cd.type}, expected ${type}` });
  if (cd.origin !== cfg.origin) throw OriginMismatch.create({ logMessage: `origin ${cd.origin.slice(0, 200)}, expected ${cfg.origin}` });
  if (cd.crossOrigin === true || cd.topOrigin !== undefined) throw OriginMismatch.create({ logMessage: 'cross-origin ceremony refused' });
}

/** Exact length (nothing beyond what the flags declare), rpIdHash, user presence, user verification (when required) and backup-flag consistency. */
export async function checkAuthenticatorData(raw: Uint8Array, cfg: CompiledWebauthn, opts: { uvRequired: boolean }): Promise<ParsedAuthenticatorData> {
  checkAuthenticatorDataLength(raw);
  const { parseAuthenticatorData } = await webauthnHelpers();
  let parsed: ParsedAuthenticatorData;
  try {
    parsed = parseAuthenticatorData(new Uint8Array(raw));
  } catch (cause) {
    throw ResponseMalformed.create({ cause, logMessage: 'authenticatorData cannot be parsed' });
  }
  const expected = createHash('sha256').update(cfg.rpId).digest();
  if (parsed.rpIdHash.length !== 32 || !timingSafeEqual(Buffer.from(parsed.rpIdHash), expected)) {
    throw RpIdMismatch.create({ logMessage: 'rpIdHash is not the hash of the configured RP ID' });
  }
  if (!parsed.flags.up) throw UserPresenceMissing.create({ logMessage: 'UP flag not set' });
  if (opts.uvRequired && !parsed.flags.uv) throw UserVerificationMissing.create({ logMessage: 'UV flag not set and user verification is required' });
  if (parsed.flags.bs && !parsed.flags.be) throw BackupFlagsInvalid.create({ logMessage: 'BS set without BE' });
  return parsed;
}

export function sha256b64(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
