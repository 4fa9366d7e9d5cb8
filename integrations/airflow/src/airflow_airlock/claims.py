"""The assertion contract, version 1 (docs/assertion-contract.md), as the Airflow side reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .dag_rules import DagRules
from .errors import AssertionInvalid, AssertionVersionUnknown

#: Contract versions this package understands. A verifier refuses any other.
KNOWN_VERSIONS = frozenset({1})
VERSION_CLAIM = "airlock_ver"
#: exp - iat may not exceed this (seconds).
MAX_TTL_SECONDS = 300
KINDS = frozenset({"person", "service", "agent"})
REQUIRED_CLAIMS = (
    "iss", "aud", "sub", "preferred_username", "groups", "roles", "sid", "amr", "kind", "iat", "exp", "jti",
    VERSION_CLAIM,
)
OPTIONAL_CLAIMS = ("email", "name", "token_name", "service_account", "act", "anonymous", "dag_rules")
#: The gateway's anonymous caller (an allow-listed route forwarded without a signed-in caller).
ANONYMOUS_CLAIM = "anonymous"


@dataclass(frozen=True)
class Actor:
    """The person who owns a machine caller's token (the ``act`` claim): who answers for what it does."""

    sub: str
    username: str


@dataclass(frozen=True)
class AssertionIdentity:
    """Who the gateway says the caller is, after every check passed."""

    sub: str
    username: str
    email: str | None
    name: str | None
    groups: tuple[str, ...]
    roles: tuple[str, ...]
    sid: str
    amr: tuple[str, ...]
    kind: str
    issued_at: int
    expires_at: int
    jti: str
    issuer: str
    audience: str
    version: int
    #: Machine callers: the Airlock token's name, the service account, the owning person (optional claims).
    token_name: str | None = None
    service_account: str | None = None
    act: Actor | None = None
    #: ``anonymous: true``: the gateway forwarded an allow-listed request without a signed-in caller. Nobody is
    #: logged in for it; it only proves the request came through the gateway.
    anonymous: bool = False
    #: The person's per-DAG rules for this environment (``dag_rules``); None when the gateway sends none
    #: (its environment does not have airflow_filters_dags): then the Airflow roles alone decide.
    dag_rules: DagRules | None = None

    @property
    def first_name(self) -> str:
        """FAB wants first/last names: split ``name`` at the first space, else the username (always for machines)."""
        if self.kind == "person" and self.name and self.name.strip():
            return self.name.strip().split(" ", 1)[0]
        return self.username

    @property
    def last_name(self) -> str:
        if self.kind != "person":
            # a machine: its kind and, when a person owns its token, that person (docs/machine-identities.md)
            return f"({self.kind} of {self.act.username})" if self.act else f"({self.kind})"
        if self.name and " " in self.name.strip():
            return self.name.strip().split(" ", 1)[1].strip()
        # FAB requires a non-empty last name; the kind is honest and stable.
        return "(airlock)"


def _string(payload: Mapping[str, Any], name: str, *, empty_ok: bool = False) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or (not empty_ok and value == ""):
        raise AssertionInvalid("claims", f"{name} must be a {'string' if empty_ok else 'non-empty string'}")
    return value


def _optional_string(payload: Mapping[str, Any], name: str) -> str | None:
    if name not in payload:
        return None
    value = payload[name]
    if not isinstance(value, str):
        raise AssertionInvalid("claims", f"{name} must be a string when present")
    return value


def _strings(payload: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = payload.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AssertionInvalid("claims", f"{name} must be a list of strings")
    return tuple(value)


def _int(payload: Mapping[str, Any], name: str) -> int:
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise AssertionInvalid("claims", f"{name} must be an integer")
    return value


def _actor(payload: Mapping[str, Any]) -> Actor | None:
    if "act" not in payload:
        return None
    value = payload["act"]
    if not isinstance(value, dict):
        raise AssertionInvalid("claims", "act must be an object when present")
    sub, username = value.get("sub"), value.get("preferred_username")
    if not isinstance(sub, str) or not sub or not isinstance(username, str) or not username:
        raise AssertionInvalid("claims", "act must have non-empty sub and preferred_username")
    return Actor(sub=sub, username=username)


def _anonymous(payload: Mapping[str, Any], kind: str) -> bool:
    """``anonymous`` is absent or exactly ``true``; when true the assertion names nobody (a service, no groups/roles)."""
    if ANONYMOUS_CLAIM not in payload:
        return False
    if payload[ANONYMOUS_CLAIM] is not True:
        raise AssertionInvalid("claims", "anonymous must be true when present")
    if kind != "service" or payload.get("groups") != [] or payload.get("roles") != []:
        raise AssertionInvalid("claims", "an anonymous assertion is a service with no groups and no roles")
    return True


def _dag_rules(payload: Mapping[str, Any]) -> DagRules | None:
    if "dag_rules" not in payload:
        return None
    try:
        return DagRules.parse(payload["dag_rules"])
    except ValueError as err:
        raise AssertionInvalid("claims", str(err)) from None


def check_version(payload: Mapping[str, Any]) -> int:
    if VERSION_CLAIM not in payload:
        raise AssertionVersionUnknown("version_missing", f"{VERSION_CLAIM} claim is missing")
    version = payload[VERSION_CLAIM]
    if not isinstance(version, int) or isinstance(version, bool) or version not in KNOWN_VERSIONS:
        raise AssertionVersionUnknown("version_unknown", f"{VERSION_CLAIM}={version!r} is not one of {sorted(KNOWN_VERSIONS)}")
    return version


def parse_claims(payload: Mapping[str, Any]) -> AssertionIdentity:
    """Checks the claim shapes of a payload whose signature, iss, aud and times were already verified."""
    version = check_version(payload)
    iat = _int(payload, "iat")
    exp = _int(payload, "exp")
    if exp <= iat:
        raise AssertionInvalid("ttl", "exp must be after iat")
    if exp - iat > MAX_TTL_SECONDS:
        raise AssertionInvalid("ttl", f"exp - iat = {exp - iat}s exceeds {MAX_TTL_SECONDS}s")
    kind = _string(payload, "kind")
    if kind not in KINDS:
        raise AssertionInvalid("claims", f"kind must be one of {sorted(KINDS)}")
    return AssertionIdentity(
        sub=_string(payload, "sub"),
        username=_string(payload, "preferred_username"),
        email=_optional_string(payload, "email"),
        name=_optional_string(payload, "name"),
        groups=_strings(payload, "groups"),
        roles=_strings(payload, "roles"),
        sid=_string(payload, "sid", empty_ok=True),
        amr=_strings(payload, "amr"),
        kind=kind,
        issued_at=iat,
        expires_at=exp,
        jti=_string(payload, "jti"),
        issuer=_string(payload, "iss"),
        # The contract's aud is one string, never a list (a list could name other environments too).
        audience=_string(payload, "aud"),
        version=version,
        token_name=_optional_string(payload, "token_name"),
        service_account=_optional_string(payload, "service_account"),
        act=_actor(payload),
        anonymous=_anonymous(payload, kind),
        dag_rules=_dag_rules(payload),
    )
