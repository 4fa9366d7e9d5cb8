"""Airflow 2.8-2.10 auth manager: FAB's, with the person's per-DAG rules applied where Airflow filters DAGs.

    AIRFLOW__CORE__AUTH_MANAGER=airflow_airlock.airflow2.auth_manager.AirlockFabAuthManager

Every DAG list of the UI and the REST API (the DAG list page, /api/v1/dags, "~" lists, dag stats, import errors)
asks the auth manager which DAGs the user may read or edit (get_permitted_dag_ids, is_authorized_dag); this one
answers with FAB's answer AND the rules of the assertion's dag_rules claim. Glue only: the logic is in
dag_filter.py (AirlockDagFilterMixin) and dag_rules.py.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable, Mapping

from ..dag_filter import AirlockDagFilterMixin, mark_installed
from ..dag_rules import DagMeta, DagRules
from .request_rules import current_rules, dag_meta

_BASES = (
    ("airflow.providers.fab.auth_manager.fab_auth_manager", "FabAuthManager"),  # 2.9+
    ("airflow.auth.managers.fab.fab_auth_manager", "FabAuthManager"),  # 2.8
)


def _fab_auth_manager() -> type:
    for module, name in _BASES:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError("no FAB auth manager found (Airflow 2.8-2.10 with the FAB provider expected)")


class AirlockFabAuthManager(AirlockDagFilterMixin, _fab_auth_manager()):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mark_installed()  # answers now say X-Airlock-Dag-Filter: applied (the security manager adds it)

    def _airlock_rules(self) -> DagRules | None:
        return current_rules()

    def _airlock_meta(self, dag_ids: Iterable[str]) -> Mapping[str, DagMeta]:
        return dag_meta(dag_ids)
