"""Settings of the Airflow side: what issuer and audience to trust, where the keys are."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

JWKS_PATH = "/.airlock/jwks.json"
HEADER_NAME = "X-Airlock-Assertion"
#: Leeway for exp/iat beyond which clocks are considered broken, not skewed.
MAX_LEEWAY_SECONDS = 120
#: Airflow's health endpoints: answered without an assertion (GET/HEAD), so probes that reach Airflow directly
#: (kubelet, a load balancer's health check) work. Airflow itself serves them to anyone.
DEFAULT_PUBLIC_PATHS = ("/health", "/api/v1/health", "/api/v2/monitor/health")
_PUBLIC_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")


def _public_paths(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(p, str) for p in value):  # type: ignore[union-attr]
        raise ValueError("public_paths must be a sequence of paths")
    paths = tuple(value)  # type: ignore[arg-type]
    for p in paths:
        if not _PUBLIC_PATH.match(p) or "//" in p or "/./" in p or "/../" in p or p.endswith(("/.", "/..")):
            raise ValueError(f"public path {p!r} must be an exact path such as /health (no query, pattern or dot segment)")
    return paths


def _http_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"{what} must be an absolute http(s) URL, got {value!r}")
    return value


@dataclass(frozen=True)
class AirlockSettings:
    """What the verifier trusts. Build it explicitly or with :meth:`from_env`.

    issuer:   the gateway's public_url, exactly as the gateway puts it in ``iss``.
    audience: the Airlock environment name of this Airflow (``aud``), e.g. ``prod``.
    jwks_url: where to fetch the keys; by the contract ``<issuer>/.airlock/jwks.json``.
    """

    issuer: str
    audience: str
    jwks_url: str
    leeway_seconds: int = 30
    jwks_cache_seconds: int = 300
    jwks_min_refetch_seconds: int = 30
    http_timeout_seconds: float = 5.0
    custom_roles_file: str | None = None
    #: Exact paths (within Airflow's base_url) answered without an assertion, GET and HEAD only.
    public_paths: tuple[str, ...] = DEFAULT_PUBLIC_PATHS

    def __post_init__(self) -> None:
        object.__setattr__(self, "public_paths", _public_paths(self.public_paths))
        _http_url(self.issuer, "issuer")
        _http_url(self.jwks_url, "jwks_url")
        if not isinstance(self.audience, str) or not self.audience:
            raise ValueError("audience must be a non-empty string (the Airlock environment name)")
        if not 0 <= self.leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"leeway_seconds must be within 0..{MAX_LEEWAY_SECONDS}")
        if self.jwks_cache_seconds < 1:
            raise ValueError("jwks_cache_seconds must be at least 1")
        if self.jwks_min_refetch_seconds < 1:
            raise ValueError("jwks_min_refetch_seconds must be at least 1")
        if not self.http_timeout_seconds > 0:
            raise ValueError("http_timeout_seconds must be positive")

    @staticmethod
    def default_jwks_url(issuer: str) -> str:
        return issuer.rstrip("/") + JWKS_PATH

    def is_public(self, method: str, path: str) -> bool:
        """True for a GET/HEAD of one of ``public_paths`` (``path`` within Airflow's base_url, no query)."""
        return method in ("GET", "HEAD") and path in self.public_paths

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "AirlockSettings":
        """Reads ``AIRLOCK_*`` variables (see docs/airflow-integration.md).

        Required: AIRLOCK_ISSUER, AIRLOCK_AUDIENCE. Optional: AIRLOCK_JWKS_URL (default
        ``<issuer>/.airlock/jwks.json``, the contract's location), AIRLOCK_LEEWAY_SECONDS (30),
        AIRLOCK_JWKS_CACHE_SECONDS (300), AIRLOCK_JWKS_MIN_REFETCH_SECONDS (30),
        AIRLOCK_HTTP_TIMEOUT_SECONDS (5), AIRLOCK_CUSTOM_ROLES_FILE (none), AIRLOCK_PUBLIC_PATHS
        (comma-separated; default /health,/api/v1/health,/api/v2/monitor/health; set but empty = none).
        """
        env = os.environ if environ is None else environ
        missing = [name for name in ("AIRLOCK_ISSUER", "AIRLOCK_AUDIENCE") if not env.get(name)]
        if missing:
            raise ValueError(f"missing required setting(s): {', '.join(missing)}")
        issuer = env["AIRLOCK_ISSUER"]

        def number(name: str, default: str, kind: type) -> int | float:
            raw = env.get(name, default)
            try:
                return kind(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, got {raw!r}") from None

        return cls(
            issuer=issuer,
            audience=env["AIRLOCK_AUDIENCE"],
            jwks_url=env.get("AIRLOCK_JWKS_URL") or cls.default_jwks_url(issuer),
            leeway_seconds=int(number("AIRLOCK_LEEWAY_SECONDS", "30", int)),
            jwks_cache_seconds=int(number("AIRLOCK_JWKS_CACHE_SECONDS", "300", int)),
            jwks_min_refetch_seconds=int(number("AIRLOCK_JWKS_MIN_REFETCH_SECONDS", "30", int)),
            http_timeout_seconds=float(number("AIRLOCK_HTTP_TIMEOUT_SECONDS", "5", float)),
            custom_roles_file=env.get("AIRLOCK_CUSTOM_ROLES_FILE") or None,
            public_paths=(
                tuple(p.strip() for p in env["AIRLOCK_PUBLIC_PATHS"].split(",") if p.strip())
                if "AIRLOCK_PUBLIC_PATHS" in env
                else DEFAULT_PUBLIC_PATHS
            ),
        )
