"""Process-wide verifier and role table, built once from the environment on first use."""

from __future__ import annotations

import threading

from .roles import RoleTable
from .settings import AirlockSettings
from .verifier import AssertionVerifier

_lock = threading.Lock()
_verifier: AssertionVerifier | None = None
_table: RoleTable | None = None


def get_verifier() -> AssertionVerifier:
    global _verifier
    with _lock:
        if _verifier is None:
            _verifier = AssertionVerifier(AirlockSettings.from_env())
        return _verifier


def get_role_table() -> RoleTable:
    """Airflow's default roles, plus AIRLOCK_CUSTOM_ROLES_FILE when set."""
    global _table
    settings = get_verifier().settings
    with _lock:
        if _table is None:
            table = RoleTable.default()
            if settings.custom_roles_file:
                table = table.with_custom_roles_file(settings.custom_roles_file)
            _table = table
        return _table


def configure(verifier: AssertionVerifier, table: RoleTable | None = None) -> None:
    """Installs an explicitly built verifier (and table) instead of reading the environment."""
    global _verifier, _table
    with _lock:
        _verifier = verifier
        _table = table
