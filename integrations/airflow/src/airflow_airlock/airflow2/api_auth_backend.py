"""Airflow 2.7-2.10 [api] auth_backends module: REST calls authenticate with the gateway's assertion.

    AIRFLOW__API__AUTH_BACKENDS=airflow_airlock.airflow2.api_auth_backend

The FAB user is created/updated and logged in for the call, so log.owner names the real person.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar, cast

from flask import current_app, g, request
from flask_login import login_user

from ..errors import AirlockAssertionError
from ..runtime import get_verifier
from ..settings import HEADER_NAME
from .security_manager import refusal
from .user_sync import sync_fab_user

CLIENT_AUTH = None
T = TypeVar("T", bound=Callable[..., Any])


def init_app(_app: Any) -> None:
    """Builds the verifier now, so wrong AIRLOCK_* settings fail at start-up."""
    get_verifier()


def requires_authentication(function: T) -> T:
    @wraps(function)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        try:
            identity = get_verifier().verify(request.headers.get(HEADER_NAME))
            g.airlock_identity = identity  # its dag_rules filter the DAG lists of this call
            user = sync_fab_user(current_app.appbuilder.sm, identity)
        except AirlockAssertionError as err:
            return refusal(err)
        login_user(user, remember=False)
        g.user = user
        return function(*args, **kwargs)

    return cast(T, decorated)
