"""Airflow 3.x glue. ``authorizer``, ``user`` and ``middleware`` import no Airflow code; ``auth_manager`` does.

Import the auth manager by its full path (AIRFLOW__CORE__AUTH_MANAGER); this package does not import it.
"""

from .authorizer import RoleAuthorizer
from .middleware import AirlockAssertionMiddleware
from .user import AirlockUser

__all__ = ["AirlockAssertionMiddleware", "AirlockUser", "RoleAuthorizer"]
