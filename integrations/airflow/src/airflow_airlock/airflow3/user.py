"""The Airflow 3 user built from a verified assertion (no Airflow import; auth_manager.py adds BaseUser)."""

from __future__ import annotations

from typing import Any

from ..claims import Actor, AssertionIdentity
from ..dag_rules import DagRules


class AirlockUser:
    """get_id() and get_name() are the username: that is what Airflow writes to log.owner."""

    def __init__(self, identity: AssertionIdentity) -> None:
        self.identity = identity

    def get_id(self) -> str:
        return self.identity.username

    def get_name(self) -> str:
        return self.identity.username

    @property
    def roles(self) -> tuple[str, ...]:
        return self.identity.roles

    def __repr__(self) -> str:
        return f"AirlockUser({self.identity.username!r}, roles={list(self.identity.roles)!r})"


def serialize_identity(identity: AssertionIdentity) -> dict[str, Any]:
    """Claims for Airflow's own JWT (generate_jwt); deserialize_identity reads them back."""
    return {
        "sub": identity.username,
        "airlock": {
            "sub": identity.sub,
            "email": identity.email,
            "name": identity.name,
            "groups": list(identity.groups),
            "roles": list(identity.roles),
            "sid": identity.sid,
            "amr": list(identity.amr),
            "kind": identity.kind,
            "iat": identity.issued_at,
            "exp": identity.expires_at,
            "jti": identity.jti,
            "iss": identity.issuer,
            "aud": identity.audience,
            "ver": identity.version,
            "token_name": identity.token_name,
            "service_account": identity.service_account,
            "act": {"sub": identity.act.sub, "preferred_username": identity.act.username} if identity.act else None,
            # the per-DAG rules ride along, so a user rebuilt from Airflow's own token filters DAGs the same way
            "dag_rules": identity.dag_rules.raw if identity.dag_rules is not None else None,
        },
    }


def deserialize_identity(claims: dict[str, Any]) -> AssertionIdentity:
    a = claims["airlock"]
    return AssertionIdentity(
        sub=a["sub"], username=claims["sub"], email=a["email"], name=a["name"], groups=tuple(a["groups"]),
        roles=tuple(a["roles"]), sid=a["sid"], amr=tuple(a["amr"]), kind=a["kind"], issued_at=a["iat"],
        expires_at=a["exp"], jti=a["jti"], issuer=a["iss"], audience=a["aud"], version=a["ver"],
        token_name=a.get("token_name"), service_account=a.get("service_account"),
        act=Actor(sub=a["act"]["sub"], username=a["act"]["preferred_username"]) if a.get("act") else None,
        dag_rules=DagRules.parse(a["dag_rules"]) if a.get("dag_rules") is not None else None,
    )
