"""Verifies an X-Airlock-Assertion: ES256 only, key from the gateway's JWKS, iss/aud/exp/iat, contract shape."""

from __future__ import annotations

import time
from typing import Any, Callable

import jwt

from .claims import AssertionIdentity, parse_claims
from .errors import AssertionExpired, AssertionInvalid, AssertionMissing
from .jwks import JwksCache
from .settings import AirlockSettings

ALGORITHM = "ES256"
#: Far larger than any real assertion; bounds the work done on hostile input.
MAX_TOKEN_LENGTH = 16 * 1024
#: Checked by PyJWT; the contract's own claims (airlock_ver first) are checked by parse_claims.
REGISTERED_CLAIMS = ("iss", "aud", "sub", "iat", "exp", "jti")


class AssertionVerifier:
    """One per process: holds the JWKS cache. Thread-safe."""

    def __init__(
        self,
        settings: AirlockSettings,
        *,
        jwks: JwksCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.jwks = jwks or JwksCache(
            settings.jwks_url,
            cache_seconds=settings.jwks_cache_seconds,
            min_refetch_seconds=settings.jwks_min_refetch_seconds,
            timeout_seconds=settings.http_timeout_seconds,
        )
        self._clock = clock

    def verify(self, token: str | None) -> AssertionIdentity:
        """Returns the identity, or raises an AirlockAssertionError saying why the request is refused."""
        if token is None or (isinstance(token, str) and token.strip() == ""):
            raise AssertionMissing("missing", "no X-Airlock-Assertion header")
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise AssertionInvalid("format", "not a compact JWS")
        header = self._header(token)
        key = self.jwks.key_for(header["kid"])
        payload = self._decode(token, key)
        now = self._clock()
        leeway = self.settings.leeway_seconds
        if payload["iat"] > now + leeway:
            raise AssertionInvalid("iat_future", "issued in the future")
        return parse_claims(payload)

    @staticmethod
    def _header(token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.exceptions.DecodeError:
            raise AssertionInvalid("format", "the JWS header is not readable") from None
        if header.get("alg") != ALGORITHM:
            raise AssertionInvalid("alg", f"alg {header.get('alg')!r} is not {ALGORITHM}")
        if "typ" in header and header["typ"] != "JWT":
            raise AssertionInvalid("typ", f"typ {header['typ']!r} is not JWT")
        if "crit" in header or "jku" in header or "jwk" in header or "x5u" in header or "x5c" in header:
            raise AssertionInvalid("header", "the header names keys or extensions; only kid is trusted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AssertionInvalid("kid", "the header has no kid")
        return header

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        s = self.settings
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway_seconds,
                options={"require": list(REGISTERED_CLAIMS), "verify_signature": True},
            )
        except jwt.exceptions.ExpiredSignatureError:
            raise AssertionExpired("exp", "the assertion has expired") from None
        except jwt.exceptions.InvalidAudienceError:
            raise AssertionInvalid("aud", f"aud is not {s.audience!r}") from None
        except jwt.exceptions.InvalidIssuerError:
            raise AssertionInvalid("iss", f"iss is not {s.issuer!r}") from None
        except jwt.exceptions.InvalidSignatureError:
            raise AssertionInvalid("signature", "the signature does not verify") from None
        except jwt.exceptions.MissingRequiredClaimError as err:
            raise AssertionInvalid("claims", f"claim {err.claim!r} is missing") from None
        except jwt.exceptions.ImmatureSignatureError:
            raise AssertionInvalid("iat_future", "not yet valid") from None
        except jwt.exceptions.InvalidAlgorithmError:
            raise AssertionInvalid("alg", "algorithm not allowed") from None
        except jwt.exceptions.InvalidTokenError as err:
            raise AssertionInvalid("format", type(err).__name__) from None
        return payload
