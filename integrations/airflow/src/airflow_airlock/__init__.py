"""airflow-airlock: Airflow trusts the Airlock gateway's signed assertion (docs/assertion-contract.md).

The core (this module's names) imports no Airflow code. The Airflow glue lives in
``airflow_airlock.airflow2`` (FAB: security manager, [api] auth_backends) and
``airflow_airlock.airflow3`` (auth manager, ASGI middleware).
"""

from .claims import KNOWN_VERSIONS, MAX_TTL_SECONDS, Actor, AssertionIdentity, parse_claims
from .errors import (
    AirlockAssertionError,
    AssertionExpired,
    AssertionInvalid,
    AssertionMissing,
    AssertionVersionUnknown,
    JwksUnavailable,
    NoAirflowRole,
    SignInRequired,
    SigningKeyUnknown,
    UserInactive,
)
from .jwks import JwksCache, parse_jwks
from .roles import Grants, RoleTable
from .settings import HEADER_NAME, JWKS_PATH, AirlockSettings
from .verifier import AssertionVerifier

__all__ = [
    "HEADER_NAME",
    "JWKS_PATH",
    "KNOWN_VERSIONS",
    "MAX_TTL_SECONDS",
    "Actor",
    "AirlockAssertionError",
    "AirlockSettings",
    "AssertionExpired",
    "AssertionIdentity",
    "AssertionInvalid",
    "AssertionMissing",
    "AssertionVerifier",
    "AssertionVersionUnknown",
    "Grants",
    "JwksCache",
    "JwksUnavailable",
    "NoAirflowRole",
    "RoleTable",
    "SignInRequired",
    "SigningKeyUnknown",
    "UserInactive",
    "parse_claims",
    "parse_jwks",
]
