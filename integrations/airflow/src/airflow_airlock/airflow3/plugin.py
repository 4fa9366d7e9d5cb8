"""Airflow plugin that installs the assertion gate on the API server (plugins' fastapi_root_middlewares).

Put ``from airflow_airlock.airflow3.plugin import AirlockPlugin`` in a file under $AIRFLOW_HOME/plugins.
"""

from airflow.plugins_manager import AirflowPlugin

from ..runtime import get_verifier
from .middleware import AirlockAssertionMiddleware


class AirlockPlugin(AirflowPlugin):
    name = "airlock"
    fastapi_root_middlewares = [
        {"middleware": AirlockAssertionMiddleware, "args": [], "kwargs": {"verifier": get_verifier}, "name": "airlock"}
    ]
