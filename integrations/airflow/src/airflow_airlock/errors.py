"""Errors raised for untrusted input (a bad or missing assertion, an unreachable JWKS).

Every error has a stable ``code`` (``AIRLOCK_AIRFLOW_<WHAT>``, listed in docs/errors.md), an HTTP
``status`` and a client-safe ``message``. ``reason`` is a short, stable machine word that says which
check failed (for logs and tests); callers never branch on message text. Bad configuration is a
``ValueError`` / ``TypeError``, not one of these.
"""

from __future__ import annotations


class AirlockAssertionError(Exception):
    """Base class: the request must be refused."""

    code = "AIRLOCK_AIRFLOW_ASSERTION_INVALID"
    status = 401
    message = "The request did not carry a valid Airlock assertion."

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(f"{self.code} ({reason})" + (f": {detail}" if detail else ""))
        self.reason = reason
        self.detail = detail


class AssertionMissing(AirlockAssertionError):
    code = "AIRLOCK_AIRFLOW_ASSERTION_MISSING"
    status = 401
    message = "This Airflow only accepts requests that come through the Airlock gateway."


class AssertionInvalid(AirlockAssertionError):
    code = "AIRLOCK_AIRFLOW_ASSERTION_INVALID"
    status = 401
    message = "The request did not carry a valid Airlock assertion."


class AssertionExpired(AirlockAssertionError):
    code = "AIRLOCK_AIRFLOW_ASSERTION_EXPIRED"
    status = 401
    message = "The Airlock assertion has expired."


class AssertionVersionUnknown(AirlockAssertionError):
    code = "AIRLOCK_AIRFLOW_ASSERTION_VERSION"
    status = 401
    message = "The Airlock assertion uses a contract version this Airflow does not know."


class SigningKeyUnknown(AirlockAssertionError):
    code = "AIRLOCK_AIRFLOW_KEY_UNKNOWN"
    status = 401
    message = "The Airlock assertion is signed with a key the gateway does not publish."


class JwksUnavailable(AirlockAssertionError):
    code = "AIRLOCK_AIRFLOW_JWKS_UNAVAILABLE"
    status = 503
    message = "Airflow could not fetch the Airlock gateway's signing keys."


class NoAirflowRole(AirlockAssertionError):
    code = "AIRLOCK_AIRFLOW_NO_ROLE"
    status = 403
    message = "Your account has no Airflow role here."


class UserInactive(AirlockAssertionError):
    code = "AIRLOCK_AIRFLOW_USER_INACTIVE"
    status = 403
    message = "Your Airflow account is deactivated."


class SignInRequired(AirlockAssertionError):
    """The gateway's anonymous assertion reached something that needs a person (e.g. an allow-listed API route)."""

    code = "AIRLOCK_AIRFLOW_SIGN_IN_REQUIRED"
    status = 401
    message = "This needs a signed-in person: sign in through the Airlock gateway."


ALL_ERRORS = (
    AssertionMissing,
    AssertionInvalid,
    AssertionExpired,
    AssertionVersionUnknown,
    SigningKeyUnknown,
    JwksUnavailable,
    NoAirflowRole,
    UserInactive,
    SignInRequired,
)
