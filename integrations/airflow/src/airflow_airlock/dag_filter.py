"""Where Airflow filters DAGs, apply the person's per-DAG rules too (the assertion's ``dag_rules`` claim).

Pure: no Airflow import. The Airflow glue maps its calls onto these functions:

- Airflow 2 (FAB auth manager): ``AirlockDagFilterMixin`` in front of ``FabAuthManager`` (is_authorized_dag,
  get_permitted_dag_ids, filter_permitted_dag_ids) and ``AirlockSecurityManagerDagFilter`` in front of the FAB
  security manager's legacy DAG checks (can_read_dag, can_edit_dag, can_access_some_dags,
  get_readable_dag_ids, get_editable_dag_ids, get_accessible_dag_ids).
- Airflow 3: ``AirlockAuthManager.is_authorized_dag`` / ``filter_authorized_dag_ids`` call ``rules_allow`` and
  ``filter_by_rules``.

Every decision is the Airflow role's decision AND the rules' (the rules never grant what the role does not).
Methods map onto the rules as Airflow's FAB auth manager maps them onto DAG permissions: GET = read; PUT/POST
(and DELETE of a DAG sub-entity) = edit, which the rules grant when they leave the person at least one write
action on the DAG; DELETE of the DAG itself = delete; MENU is not about a DAG.

The integration says it applied these filters with a response header (``X-Airlock-Dag-Filter: applied``) on
every answer to a request with a verified assertion, once a DAG filter is installed (``mark_installed``); the
gateway relies on that marker before it forwards DAG lists to rule-restricted people.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Mapping

from .dag_rules import NO_META, DagMeta, DagRules

MARKER_HEADER = "X-Airlock-Dag-Filter"
MARKER_VALUE = "applied"

_installed = threading.Event()


def mark_installed() -> None:
    """Called by the glue that filters DAGs (the auth manager) when Airflow builds it."""
    _installed.set()


def is_installed() -> bool:
    return _installed.is_set()


def reset_installed() -> None:
    """Tests only."""
    _installed.clear()


def marker_headers(identity: Any) -> dict[str, str]:
    """The response headers for an answer: the marker when the request carried a verified assertion and a DAG
    filter is installed, else none."""
    return {MARKER_HEADER: MARKER_VALUE} if identity is not None and is_installed() else {}


def method_name(method: Any) -> str:
    return str(getattr(method, "value", method)).upper()


def method_class(method: Any, has_entity: bool) -> str | None:
    """read | edit | delete for a DAG method; None for MENU (not about a DAG)."""
    m = method_name(method)
    if m == "MENU":
        return None
    if m == "GET":
        return "read"
    if m == "DELETE" and not has_entity:
        return "delete"
    return "edit"


MetaLookup = Callable[[Iterable[str]], Mapping[str, DagMeta]]


def _meta(rules: DagRules, lookup: MetaLookup, dag_ids: Iterable[str]) -> Mapping[str, DagMeta]:
    return lookup(list(dag_ids)) if rules.needs_metadata else {}


def _meta_of(rules: DagRules, found: Mapping[str, DagMeta], dag_id: str) -> DagMeta | None:
    # without tags/owners entries no metadata is needed; with them, a DAG Airflow does not know fails closed
    return found.get(dag_id) if rules.needs_metadata else NO_META


def rules_allow(rules: DagRules | None, method: Any, has_entity: bool, dag_id: str | None, lookup: MetaLookup) -> bool:
    """The rules' part of is_authorized_dag (the caller ANDs it with the role's answer).

    With a DAG id: that DAG. Without one and without a sub-entity: "every DAG" (granted only when no rule
    restricts the method for the person; Airflow then falls back to per-DAG filtering). Without a DAG id but with
    a sub-entity: FAB checks only the sub-entity's permission, and the list that follows is filtered per DAG.
    """
    if rules is None:
        return True
    cls = method_class(method, has_entity)
    if cls is None:
        return True
    if dag_id:
        return rules.permits_class(dag_id, cls, _meta_of(rules, _meta(rules, lookup, [dag_id]), dag_id))
    if has_entity:
        return True
    return not rules.restricts_class(cls)


def filter_by_rules(rules: DagRules | None, dag_ids: Iterable[str], method: Any, lookup: MetaLookup) -> set[str]:
    """The DAG ids the rules leave for the method (GET read, PUT edit, DELETE delete)."""
    ids = set(dag_ids)
    if rules is None:
        return ids
    cls = method_class(method, False) or "read"
    found = _meta(rules, lookup, ids)
    return {d for d in ids if rules.permits_class(d, cls, _meta_of(rules, found, d))}


class AirlockDagFilterMixin:
    """Airflow 2 FAB auth manager methods with the rules applied. Put it before FabAuthManager in the bases;
    the subclass supplies ``_airlock_rules()`` (the current request's claim) and ``_airlock_meta(dag_ids)``."""

    def _airlock_rules(self) -> DagRules | None:  # pragma: no cover - overridden by the glue
        return None

    def _airlock_meta(self, dag_ids: Iterable[str]) -> Mapping[str, DagMeta]:  # pragma: no cover - overridden
        return {}

    def is_authorized_dag(self, *, method: Any, access_entity: Any = None, details: Any = None, user: Any = None) -> bool:
        base = super().is_authorized_dag(method=method, access_entity=access_entity, details=details, user=user)  # type: ignore[misc]
        if not base:
            return False
        dag_id = getattr(details, "id", None) if details is not None else None
        return rules_allow(self._airlock_rules(), method, access_entity is not None, dag_id, self._airlock_meta)

    def get_permitted_dag_ids(self, *, methods: Any = None, user: Any = None, **kwargs: Any) -> set[str]:
        rules = self._airlock_rules()
        if rules is None:
            return super().get_permitted_dag_ids(methods=methods, user=user, **kwargs)  # type: ignore[misc]
        out: set[str] = set()
        for m in list(methods) if methods else ["PUT", "GET"]:
            base = super().get_permitted_dag_ids(methods=[m], user=user, **kwargs)  # type: ignore[misc]
            out |= filter_by_rules(rules, base, m, self._airlock_meta)
        return out

    def filter_permitted_dag_ids(self, *, dag_ids: Any, methods: Any = None, user: Any = None, **kwargs: Any) -> set[str]:
        rules = self._airlock_rules()
        if rules is None:
            return super().filter_permitted_dag_ids(dag_ids=dag_ids, methods=methods, user=user, **kwargs)  # type: ignore[misc]
        out: set[str] = set()
        for m in list(methods) if methods else ["PUT", "GET"]:
            base = super().filter_permitted_dag_ids(dag_ids=set(dag_ids), methods=[m], user=user, **kwargs)  # type: ignore[misc]
            out |= filter_by_rules(rules, base, m, self._airlock_meta)
        return out


_CAN_READ = "can_read"


class AirlockSecurityManagerDagFilter:
    """The FAB security manager's own DAG checks (older call sites) with the rules applied. Only the methods the
    base class has are consulted; the subclass supplies ``_airlock_rules()`` and ``_airlock_meta(dag_ids)``."""

    def _airlock_rules(self) -> DagRules | None:  # pragma: no cover - overridden by the glue
        return None

    def _airlock_meta(self, dag_ids: Iterable[str]) -> Mapping[str, DagMeta]:  # pragma: no cover - overridden
        return {}

    def _airlock_one(self, dag_id: str, method: str) -> bool:
        return rules_allow(self._airlock_rules(), method, False, dag_id, self._airlock_meta)

    def can_read_dag(self, dag_id: str, user: Any = None) -> bool:
        return super().can_read_dag(dag_id, user) and self._airlock_one(dag_id, "GET")  # type: ignore[misc]

    def can_edit_dag(self, dag_id: str, user: Any = None) -> bool:
        return super().can_edit_dag(dag_id, user) and self._airlock_one(dag_id, "PUT")  # type: ignore[misc]

    def can_delete_dag(self, dag_id: str, user: Any = None) -> bool:
        return super().can_delete_dag(dag_id, user) and self._airlock_one(dag_id, "DELETE")  # type: ignore[misc]

    def can_access_some_dags(self, action: str, dag_id: str | None = None) -> bool:
        base = super().can_access_some_dags(action, dag_id)  # type: ignore[misc]
        if not base or not dag_id or dag_id == "~":
            # without a DAG id the base asks get_readable_dag_ids/get_editable_dag_ids, which apply the rules
            return base
        return self._airlock_one(dag_id, "GET" if action == _CAN_READ else "PUT")

    def get_readable_dag_ids(self, user: Any = None) -> set[str]:
        return filter_by_rules(self._airlock_rules(), super().get_readable_dag_ids(user), "GET", self._airlock_meta)  # type: ignore[misc]

    def get_editable_dag_ids(self, user: Any = None) -> set[str]:
        return filter_by_rules(self._airlock_rules(), super().get_editable_dag_ids(user), "PUT", self._airlock_meta)  # type: ignore[misc]

    def get_accessible_dag_ids(self, user: Any = None, user_actions: Any = None, *args: Any, **kwargs: Any) -> set[str]:
        rules = self._airlock_rules()
        if rules is None:
            return super().get_accessible_dag_ids(user, user_actions, *args, **kwargs)  # type: ignore[misc]
        out: set[str] = set()
        for action in list(user_actions) if user_actions else ["can_edit", _CAN_READ]:
            base = super().get_accessible_dag_ids(user, [action], *args, **kwargs)  # type: ignore[misc]
            out |= filter_by_rules(rules, base, "GET" if action == _CAN_READ else "PUT", self._airlock_meta)
        return out
