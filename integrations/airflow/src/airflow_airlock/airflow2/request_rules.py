"""Airflow 2 (Flask): the current request's verified identity, its per-DAG rules, the DAG filter marker.

Imports Flask: glue. The security manager's before_request stores the verified identity in ``g.airlock_identity``;
outside a request (scheduler, CLI) there are no rules and Airflow's roles alone decide.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from flask import g, has_request_context

from ..dag_filter import marker_headers
from ..dag_meta_sql import load_dag_meta
from ..dag_rules import DagMeta, DagRules


def current_identity() -> Any:
    return getattr(g, "airlock_identity", None) if has_request_context() else None


def current_rules() -> DagRules | None:
    identity = current_identity()
    return getattr(identity, "dag_rules", None) if identity is not None else None


def dag_meta(dag_ids: Iterable[str]) -> Mapping[str, DagMeta]:
    """Tags/owners of the DAGs, read once per request."""
    cache: dict[str, DagMeta | None] = g.setdefault("airlock_dag_meta", {}) if has_request_context() else {}
    missing = [d for d in dag_ids if d not in cache]
    if missing:
        found = load_dag_meta(missing)
        for d in missing:
            cache[d] = found.get(d)
    return {d: m for d, m in cache.items() if m is not None}


def add_marker(response: Any) -> Any:
    """Flask after_request: X-Airlock-Dag-Filter on answers to requests that carried a verified assertion."""
    for name, value in marker_headers(current_identity()).items():
        response.headers[name] = value
    return response
