"""Airflow's API server app behind the assertion gate, for Airflow 3 versions that do not take
middlewares from the auth manager or a plugin:

    uvicorn airflow_airlock.airflow3.asgi:app --host 0.0.0.0 --port 8080
"""

from airflow.api_fastapi.main import app as airflow_app

from ..runtime import get_verifier
from .middleware import AirlockAssertionMiddleware

app = AirlockAssertionMiddleware(airflow_app, verifier=get_verifier)
