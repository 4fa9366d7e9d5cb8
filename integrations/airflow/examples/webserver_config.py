# Airflow 2.7-2.10 webserver_config.py ($AIRFLOW_HOME/webserver_config.py) behind the Airlock gateway.
# People never see Airflow's login page: every request carries X-Airlock-Assertion, the security manager
# verifies it, creates or updates the FAB user and its roles, and logs the person in.
# Settings come from AIRLOCK_ISSUER, AIRLOCK_AUDIENCE (and optionally AIRLOCK_JWKS_URL, ...);
# see docs/airflow-integration.md.
import os

from flask_appbuilder.const import AUTH_REMOTE_USER

from airflow_airlock.airflow2.security_manager import AirlockSecurityManager

basedir = os.path.abspath(os.path.dirname(__file__))

WTF_CSRF_ENABLED = True
AUTH_TYPE = AUTH_REMOTE_USER
SECURITY_MANAGER_CLASS = AirlockSecurityManager
# Roles come from the assertion at every login; FAB's own registration/role mapping is not used.
AUTH_USER_REGISTRATION = False
AUTH_ROLES_SYNC_AT_LOGIN = False
# AUTH_ROLE_PUBLIC stays unset: anonymous requests get FAB's default "Public" role, which Airflow keeps without
# any permission. Do not set it to None: FAB then tries to create a role without a name at every start
# (sqlalchemy IntegrityError in the log).
# The REST API (/api/v1) authenticates through [api] auth_backends in airflow.cfg, not through this file:
#   AIRFLOW__API__AUTH_BACKENDS=airflow_airlock.airflow2.api_auth_backend
