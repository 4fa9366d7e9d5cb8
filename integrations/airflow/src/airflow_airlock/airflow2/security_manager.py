"""Airflow 2.7-2.10 (FAB) security manager that logs people in from the gateway's assertion.

webserver_config.py:
    from flask_appbuilder.const import AUTH_REMOTE_USER
    from airflow_airlock.airflow2.security_manager import AirlockSecurityManager
    AUTH_TYPE = AUTH_REMOTE_USER
    SECURITY_MANAGER_CLASS = AirlockSecurityManager

Every request must carry a valid assertion (a before_request hook refuses it otherwise, even with a valid
Flask session cookie): a path around the gateway fails. Only a GET/HEAD of AIRLOCK_PUBLIC_PATHS (Airflow's health
endpoints) needs none. The Flask session follows the assertion: logged in on the first request (a login in FAB's
last_login / login_count), switched when the person changes, roles re-synced when they change, ended for the
gateway's anonymous assertion. Glue only; the logic is in user_sync.py and verifier.py.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Response, g, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.views import AuthRemoteUserView
from flask_login import current_user, login_user, logout_user

from ..dag_filter import AirlockSecurityManagerDagFilter
from ..errors import AirlockAssertionError, SignInRequired
from ..refusal import refusal_body
from ..runtime import get_verifier
from ..settings import HEADER_NAME
from .request_rules import add_marker, current_rules, dag_meta
from .user_sync import LOGIN_ACTIONS, session_action, sync_fab_user

# Newest first: the class Airflow requires SECURITY_MANAGER_CLASS to extend, per version.
_BASES = (
    ("airflow.providers.fab.auth_manager.security_manager.override", "FabAirflowSecurityManagerOverride"),  # 2.9+
    ("airflow.auth.managers.fab.security_manager.override", "FabAirflowSecurityManagerOverride"),  # 2.8
    ("airflow.www.security", "AirflowSecurityManager"),  # 2.7
)


def _base_class() -> type:
    for module, name in _BASES:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError("no Airflow FAB security manager found (Airflow 2.7-2.10 with FAB expected)")


def refusal(err: AirlockAssertionError) -> Response:
    return Response(refusal_body(err), status=err.status, mimetype="application/json", headers={"Cache-Control": "no-store"})


def login_from_assertion(sm: Any) -> Response | None:
    """Verifies the request's assertion and makes the Flask session that person's. None = go on."""
    verifier = get_verifier()
    if verifier.settings.is_public(request.method, request.path):
        return None  # Airflow's health endpoints (AIRLOCK_PUBLIC_PATHS): no assertion, nobody logged in
    try:
        identity = verifier.verify(request.headers.get(HEADER_NAME))
        g.airlock_identity = identity  # its dag_rules filter DAG lists (auth_manager.py); answers get the marker
        authenticated = bool(getattr(current_user, "is_authenticated", False))
        username = current_user.username if authenticated else None
        roles = [r.name for r in current_user.roles] if authenticated else []
        action = session_action(username, roles, identity)
        if action == "anonymous":
            if authenticated:
                logout_user()  # nobody is signed in at the gateway: no Airflow session either
            return None
        if action == "keep":
            g.user = current_user
            return None
        if action == "switch":
            logout_user()
        user = sync_fab_user(sm, identity, record_login=action in LOGIN_ACTIONS)
    except AirlockAssertionError as err:
        return refusal(err)
    login_user(user, remember=False)
    g.user = user
    return None


class AirlockRemoteUserView(AuthRemoteUserView):
    """/login/ and /logout/: no Airflow login form; the gateway is the login."""

    @expose("/login/")
    def login(self) -> Any:
        refused = login_from_assertion(self.appbuilder.sm)
        if refused is not None:
            return refused
        if not getattr(current_user, "is_authenticated", False):
            return refusal(SignInRequired("anonymous", "login reached without a signed-in caller"))
        return redirect(self.appbuilder.get_url_for_index)

    # Airflow 2.10's navbar posts here (with its csrf_token, which Flask-WTF checks). Behind the gateway the request
    # never arrives (the gateway answers /logout/ itself); if it does, it still ends in Airlock's sign-out.
    @expose("/logout/", methods=["GET", "POST"])
    def logout(self) -> Any:
        logout_user()
        return redirect(get_verifier().settings.issuer.rstrip("/") + "/.airlock/logout")


class AirlockSecurityManager(AirlockSecurityManagerDagFilter, _base_class()):  # type: ignore[misc]
    authremoteuserview = AirlockRemoteUserView

    def __init__(self, appbuilder: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(appbuilder, *args, **kwargs)
        get_verifier()  # fail at start-up, not at the first request, when AIRLOCK_* settings are wrong
        appbuilder.get_app.before_request(self._airlock_before_request)
        appbuilder.get_app.after_request(add_marker)

    def _airlock_before_request(self) -> Response | None:
        return login_from_assertion(self)

    # the per-DAG rules for the FAB security manager's own DAG checks (dag_filter.AirlockSecurityManagerDagFilter)
    def _airlock_rules(self) -> Any:
        return current_rules()

    def _airlock_meta(self, dag_ids: Any) -> Any:
        return dag_meta(dag_ids)
