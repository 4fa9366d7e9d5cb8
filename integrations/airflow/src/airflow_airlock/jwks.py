"""The gateway's public keys: fetched from its JWKS, cached, refetched (rate-limited) on an unknown kid."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Mapping

from jwt.algorithms import ECAlgorithm

from .errors import JwksUnavailable, SigningKeyUnknown

log = logging.getLogger(__name__)

#: A JWKS larger than this is not the gateway's.
MAX_JWKS_BYTES = 64 * 1024
#: Members that only a private key has. A JWKS carrying one is refused as a whole.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def parse_jwks(document: Any) -> dict[str, Any]:
    """Turns a JWKS document into {kid: public key}. Only EC P-256 keys for ES256 signing are kept."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise JwksUnavailable("jwks_shape", "the JWKS is not an object with a keys list")
    keys: dict[str, Any] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, Mapping):
            raise JwksUnavailable("jwks_shape", "a JWKS entry is not an object")
        if PRIVATE_MEMBERS & set(jwk):
            raise JwksUnavailable("jwks_private", "the JWKS publishes private key material")
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise JwksUnavailable("jwks_shape", "a JWKS entry has no kid")
        if kid in keys:
            raise JwksUnavailable("jwks_shape", f"kid {kid!r} appears twice")
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or jwk.get("alg") != "ES256" or jwk.get("use", "sig") != "sig":
            log.warning("airlock: ignoring JWKS key %r that is not an ES256 P-256 signing key", kid)
            continue
        try:
            keys[kid] = ECAlgorithm.from_jwk(json.dumps(dict(jwk)))
        except Exception as err:  # noqa: BLE001 - any malformed key makes the JWKS unusable
            raise JwksUnavailable("jwks_shape", f"kid {kid!r} is not a valid EC key: {err}") from None
    return keys


def fetch_jwks_document(url: str, timeout: float) -> Any:
    """GETs and decodes the JWKS. Any failure is JwksUnavailable."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "airflow-airlock"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL is configuration
            if response.status != 200:
                raise JwksUnavailable("jwks_fetch", f"GET {url} answered {response.status}")
            body = response.read(MAX_JWKS_BYTES + 1)
    except urllib.error.HTTPError as err:
        raise JwksUnavailable("jwks_fetch", f"GET {url} answered {err.code}") from None
    except (urllib.error.URLError, OSError) as err:
        raise JwksUnavailable("jwks_fetch", f"GET {url} failed: {err}") from None
    if len(body) > MAX_JWKS_BYTES:
        raise JwksUnavailable("jwks_shape", f"the JWKS is larger than {MAX_JWKS_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError:
        raise JwksUnavailable("jwks_shape", "the JWKS is not JSON") from None


class JwksCache:
    """Keys by kid, cached for ``cache_seconds``.

    An unknown kid (a key that started signing after the last fetch) triggers a refetch, but at
    most one such refetch per ``min_refetch_seconds``: a flood of tokens with made-up kids cannot
    turn into a flood of requests to the gateway. A failed fetch is retried at most as often. When the cache is stale and the fetch fails, the
    request is refused (fail closed): the keys are never used past their cache lifetime.
    """

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: int,
        min_refetch_seconds: int,
        timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        fetch: Callable[[str, float], Any] = fetch_jwks_document,
    ) -> None:
        if cache_seconds < 1 or min_refetch_seconds < 1 or not timeout_seconds > 0:
            raise ValueError("cache_seconds, min_refetch_seconds and timeout_seconds must be positive")
        self._url = url
        self._cache_seconds = cache_seconds
        self._min_refetch = min_refetch_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        self._fetch = fetch
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_error: JwksUnavailable | None = None
        self._unknown_kid_refetch_at: float | None = None
        self.fetch_count = 0

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        self.fetch_count += 1
        try:
            keys = parse_jwks(self._fetch(self._url, self._timeout))
        except JwksUnavailable as err:
            self._last_error = err
            log.error("airlock: cannot load JWKS from %s: %s", self._url, err)
            raise
        self._keys = keys
        self._fetched_at = now
        self._last_error = None

    def key_for(self, kid: str) -> Any:
        with self._lock:
            now = self._clock()
            fresh = self._fetched_at is not None and now - self._fetched_at < self._cache_seconds
            if fresh:
                if kid in self._keys:
                    return self._keys[kid]
                # a kid we do not know: the gateway may have started signing with a newer key
                if self._unknown_kid_refetch_at is not None and now - self._unknown_kid_refetch_at < self._min_refetch:
                    raise SigningKeyUnknown("kid_unknown", f"kid {kid!r} is not in the gateway's JWKS (refetch rate-limited)")
                self._unknown_kid_refetch_at = now
                self._refresh(now)
            else:
                if self._attempted_at is not None and now - self._attempted_at < self._min_refetch:
                    # stale because the last attempt failed, and that attempt is too recent to retry
                    raise self._last_error or JwksUnavailable("jwks_fetch", "JWKS refetch is rate-limited")
                self._refresh(now)
            if kid in self._keys:
                return self._keys[kid]
            raise SigningKeyUnknown("kid_unknown", f"kid {kid!r} is not in the gateway's JWKS")

    def known_kids(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._keys)
