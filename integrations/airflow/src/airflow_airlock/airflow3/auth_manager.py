"""Airflow 3 auth manager whose users come from the gateway's verified assertion.

    AIRFLOW__CORE__AUTH_MANAGER=airflow_airlock.airflow3.auth_manager.AirlockAuthManager

Glue only: every decision is in authorizer.py (roles) and verifier.py (the assertion); this module maps
Airflow's calls onto them. It imports Airflow, so it is the one part not exercised by the package's tests.
"""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import Any

from airflow.api_fastapi.auth.managers.base_auth_manager import BaseAuthManager
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from jwt import InvalidTokenError

from ..dag_filter import filter_by_rules, mark_installed, rules_allow
from ..dag_meta_sql import load_dag_meta
from ..errors import AirlockAssertionError, SignInRequired
from ..runtime import get_role_table, get_verifier
from .authorizer import RoleAuthorizer
from .middleware import AirlockAssertionMiddleware
from .user import AirlockUser, deserialize_identity, serialize_identity


class AirflowAirlockUser(AirlockUser, BaseUser):
    pass


def _grants(manager: "AirlockAuthManager", user: Any):
    return manager.authorizer.grants(getattr(user, "roles", ()))


def _dag_id(details: Any) -> str | None:
    return getattr(details, "id", None) if details is not None else None


def _rules(user: Any):
    """The person's per-DAG rules (the assertion's dag_rules claim), or None: Airflow's roles alone decide."""
    identity = getattr(user, "identity", None)
    return getattr(identity, "dag_rules", None)


class AirlockAuthManager(BaseAuthManager[AirflowAirlockUser]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mark_installed()  # DAG lists are filtered by the rules: answers say X-Airlock-Dag-Filter (middleware.py)

    @cached_property
    def authorizer(self) -> RoleAuthorizer:
        return RoleAuthorizer(get_role_table())

    # -- users ---------------------------------------------------------------------------------------
    async def get_user_from_token(self, token: str) -> BaseUser:
        """Only the gateway's assertion is a valid token here; Airflow-signed JWTs are not accepted."""
        try:
            identity = await asyncio.to_thread(get_verifier().verify, token)
        except AirlockAssertionError as err:
            raise InvalidTokenError(err.code) from None
        if identity.anonymous:
            # the gateway's anonymous assertion (an allow-listed route): nobody is signed in
            raise InvalidTokenError(SignInRequired.code)
        return AirflowAirlockUser(identity)

    def deserialize_user(self, token: dict[str, Any]) -> AirflowAirlockUser:
        return AirflowAirlockUser(deserialize_identity(token))

    def serialize_user(self, user: AirflowAirlockUser) -> dict[str, Any]:
        return serialize_identity(user.identity)

    def refresh_user(self, *, user: AirflowAirlockUser) -> AirflowAirlockUser | None:
        return None

    def get_fastapi_middlewares(self) -> list:
        # Airflow versions that ask the auth manager for middlewares get the assertion gate (and not the
        # JWT refresh middleware: there is no Airflow-issued token to refresh). See the integration doc for
        # versions that do not ask.
        return [(AirlockAssertionMiddleware, {"verifier": get_verifier})]

    def get_url_login(self, **kwargs: Any) -> str:
        return get_verifier().settings.issuer.rstrip("/") + "/.airlock/login"

    def get_url_logout(self) -> str | None:
        return get_verifier().settings.issuer.rstrip("/") + "/.airlock/logout"

    # -- authorization -------------------------------------------------------------------------------
    def is_authorized_configuration(self, *, method, user, details=None) -> bool:
        return self.authorizer.resource(_grants(self, user), method, "Configurations")

    def is_authorized_connection(self, *, method, user, details=None) -> bool:
        return self.authorizer.resource(_grants(self, user), method, "Connections")

    def is_authorized_dag(self, *, method, user, access_entity=None, details=None) -> bool:
        dag_id = _dag_id(details)
        if not self.authorizer.dag(_grants(self, user), method, access_entity, dag_id):
            return False
        return rules_allow(_rules(user), method, access_entity is not None, dag_id, load_dag_meta)

    def filter_authorized_dag_ids(self, *, dag_ids, user, method="GET", **kwargs) -> set[str]:
        """Every DAG list (ReadableDagsFilterDep and the like) comes here: the role's DAGs AND the rules'."""
        grants = _grants(self, user)
        permitted = {d for d in dag_ids if self.authorizer.dag(grants, method, None, d)}
        return filter_by_rules(_rules(user), permitted, method, load_dag_meta)

    def is_authorized_backfill(self, *, method, user, details=None) -> bool:
        return self.authorizer.resource(_grants(self, user), method, "Backfills")

    def is_authorized_asset(self, *, method, user, details=None) -> bool:
        return self.authorizer.resource(_grants(self, user), method, "Assets")

    def is_authorized_asset_alias(self, *, method, user, details=None) -> bool:
        return self.authorizer.resource(_grants(self, user), method, "Asset Aliases")

    def is_authorized_pool(self, *, method, user, details=None) -> bool:
        return self.authorizer.resource(_grants(self, user), method, "Pools")

    def is_authorized_variable(self, *, method, user, details=None) -> bool:
        return self.authorizer.resource(_grants(self, user), method, "Variables")

    def is_authorized_view(self, *, access_view, user, team_name=None) -> bool:
        return self.authorizer.view(_grants(self, user), access_view)

    def is_authorized_custom_view(self, *, method, resource_name, user) -> bool:
        return self.authorizer.custom_view(_grants(self, user), method, resource_name)

    def filter_authorized_menu_items(self, menu_items, *, user):
        grants = _grants(self, user)
        return [item for item in menu_items if self.authorizer.menu_item(grants, item)]
