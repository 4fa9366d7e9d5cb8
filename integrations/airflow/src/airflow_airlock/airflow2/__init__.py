"""Airflow 2.7-2.10 (FAB) glue. ``user_sync`` imports no Airflow code; ``security_manager`` and
``api_auth_backend`` import Flask/FAB/Airflow and are referenced by full path from Airflow's config."""

from .user_sync import LOGIN_ACTIONS, fab_user_fields, plan_roles, session_action, sync_fab_user

__all__ = ["LOGIN_ACTIONS", "fab_user_fields", "plan_roles", "session_action", "sync_fab_user"]
