"""Where Airflow filters DAGs, the integration applies the person's rules too (dag_filter.py and its glue).

Airflow cannot be installed here: the Airflow 2 hooks (AirlockDagFilterMixin in front of FAB's auth manager,
AirlockSecurityManagerDagFilter in front of FAB's security manager) run on top of small stand-in base classes
that answer like FAB does for a role; the Airflow 3 auth manager module is imported with stand-ins for the two
Airflow modules it imports. The rules are the gateway-minted claims of dag-rules.json.
"""

from __future__ import annotations

import asyncio
import sys
import types
from dataclasses import dataclass
from typing import Generic, TypeVar

import pytest

from airflow_airlock import dag_filter
from airflow_airlock.dag_filter import (
    MARKER_HEADER,
    AirlockDagFilterMixin,
    AirlockSecurityManagerDagFilter,
    filter_by_rules,
    marker_headers,
    rules_allow,
)
from airflow_airlock.dag_rules import DagMeta, DagRules
from conftest import load_fixture_file

FIX = load_fixture_file("dag-rules.json")
ALL_DAGS = list(FIX["dags"])
#: the stand-in Airflow role: reads every DAG, edits all but reporting_hourly (FAB: can_edit on DAG:<id> each)
ROLE_EDITABLE = {d for d in ALL_DAGS if d != "reporting_hourly"}


def rules_of(case: str) -> DagRules:
    return DagRules.parse(FIX["cases"][case]["claim"])


def lookup(dag_ids):
    """Tags/owners as Airflow's metadata DB would give them; a DAG it does not know is left out."""
    out = {}
    for d in dag_ids:
        m = FIX["dags"].get(d)
        if m is not None:
            out[d] = DagMeta(tuple(m["tags"]), tuple(m["owners"]))
    return out


@dataclass
class DagDetails:
    id: str | None = None


class FakeFabAuthManager:
    """What FabAuthManager answers for the stand-in role (GET every DAG, PUT ROLE_EDITABLE), nothing more."""

    def is_authorized_dag(self, *, method, access_entity=None, details=None, user=None):
        dag_id = details.id if details is not None else None
        if method == "GET":
            return True
        if method == "MENU":
            return True
        if access_entity is None and dag_id is None:
            return False  # no can_edit on the global "DAGs" resource
        return dag_id is None or dag_id in ROLE_EDITABLE

    def get_permitted_dag_ids(self, *, methods=None, user=None, session=None):
        methods = methods or ["PUT", "GET"]
        return set(ALL_DAGS) if "GET" in methods else set(ROLE_EDITABLE)

    def filter_permitted_dag_ids(self, *, dag_ids, methods=None, user=None):
        return set(dag_ids) & self.get_permitted_dag_ids(methods=methods, user=user)


class AuthManager(AirlockDagFilterMixin, FakeFabAuthManager):
    def __init__(self, rules):
        self.rules = rules
        self.meta_calls = 0

    def _airlock_rules(self):
        return self.rules

    def _airlock_meta(self, dag_ids):
        self.meta_calls += 1
        return lookup(dag_ids)


def api_get_dags(am: AuthManager) -> tuple[int, list[str]]:
    """Airflow 2.10's GET /api/v1/dags: requires_access_dag("GET") without a DAG id, then the list is filtered."""
    allowed = am.is_authorized_dag(method="GET", details=DagDetails(None)) or any(am.get_permitted_dag_ids(methods=["GET"]))
    if not allowed:
        return 403, []
    return 200, sorted(am.get_permitted_dag_ids(methods=["GET"]))


@pytest.mark.parametrize("case", sorted(FIX["cases"]))
def test_airflow2_auth_manager_readable_and_editable_are_the_gateways_sets(case):
    am = AuthManager(rules_of(case))
    expected = FIX["cases"][case]
    assert am.get_permitted_dag_ids(methods=["GET"]) == set(expected["readable"])
    assert am.get_permitted_dag_ids(methods=["PUT"]) == set(expected["editable"]) & ROLE_EDITABLE
    assert am.get_permitted_dag_ids() == set(expected["readable"]) | (set(expected["editable"]) & ROLE_EDITABLE)
    assert am.filter_permitted_dag_ids(dag_ids=set(ALL_DAGS), methods=["GET"]) == set(expected["readable"])
    for d in ALL_DAGS:
        assert am.is_authorized_dag(method="GET", details=DagDetails(d)) == (d in expected["readable"]), d
        assert am.is_authorized_dag(method="PUT", details=DagDetails(d)) == (d in expected["editable"] and d in ROLE_EDITABLE), d
        # a sub-entity of a named DAG: FAB checks the DAG with GET (reads) or PUT (anything else)
        assert am.is_authorized_dag(method="POST", access_entity="RUN", details=DagDetails(d)) == (d in expected["editable"] and d in ROLE_EDITABLE), d
        expected_delete = expected["outcomes"][d]["delete"] in ("allow", "none") and d in ROLE_EDITABLE
        assert am.is_authorized_dag(method="DELETE", details=DagDetails(d)) == expected_delete, d
    # "every DAG" only when no rule restricts reading for this person
    assert am.is_authorized_dag(method="GET", details=DagDetails(None)) == (not expected["restricts"]["read"])
    # a sub-entity without a DAG ("~" lists): FAB checks only the sub-entity; the list is filtered per DAG
    assert am.is_authorized_dag(method="GET", access_entity="RUN", details=DagDetails(None)) is True
    assert am.is_authorized_dag(method="MENU") is True


def test_airflow2_dag_list_of_the_one_dag_person():
    status, dags = api_get_dags(AuthManager(rules_of("dave_one_dag")))
    assert status == 200
    assert dags == sorted(FIX["cases"]["dave_one_dag"]["readable"])
    assert "example_etl" in dags and "finance_daily" not in dags
    status, dags = api_get_dags(AuthManager(rules_of("ada_admin")))
    assert (status, dags) == (200, sorted(ALL_DAGS))


def test_airflow2_without_a_claim_fab_decides_alone():
    am = AuthManager(None)
    assert am.get_permitted_dag_ids(methods=["GET"]) == set(ALL_DAGS)
    assert am.is_authorized_dag(method="GET", details=DagDetails(None)) is True
    assert am.is_authorized_dag(method="PUT", details=DagDetails("reporting_hourly")) is False
    assert am.meta_calls == 0


def test_the_role_is_the_ceiling_rules_never_grant_beyond_it():
    am = AuthManager(rules_of("ada_admin"))  # the rules allow ada everything
    assert am.is_authorized_dag(method="PUT", details=DagDetails("reporting_hourly")) is False
    assert "reporting_hourly" not in am.get_permitted_dag_ids(methods=["PUT"])


def test_metadata_is_read_once_per_list_and_only_when_tags_or_owners_rules_exist():
    am = AuthManager(rules_of("dave_one_dag"))  # has a tags entry
    am.get_permitted_dag_ids(methods=["GET"])
    assert am.meta_calls == 1
    no_meta = AuthManager(DagRules.parse([{"o": "r--------", "match": "*"}, {"o": "a--------", "dag_ids": ["example_etl"]}]))
    assert no_meta.get_permitted_dag_ids(methods=["GET"]) == {"example_etl"}
    assert no_meta.meta_calls == 0


class FakeSecurityManager:
    """FAB's security manager DAG checks for the stand-in role (has_access-based, not via the auth manager)."""

    def can_read_dag(self, dag_id, user=None):
        return True

    def can_edit_dag(self, dag_id, user=None):
        return dag_id in ROLE_EDITABLE

    def can_access_some_dags(self, action, dag_id=None):
        if dag_id and dag_id != "~":
            return action == "can_read" or dag_id in ROLE_EDITABLE
        return True

    def get_readable_dag_ids(self, user=None):
        return set(ALL_DAGS)

    def get_editable_dag_ids(self, user=None):
        return set(ROLE_EDITABLE)

    def get_accessible_dag_ids(self, user, user_actions=None, session=None):
        actions = user_actions or ["can_edit", "can_read"]
        return set(ALL_DAGS) if "can_read" in actions else set(ROLE_EDITABLE)


class SecurityManager(AirlockSecurityManagerDagFilter, FakeSecurityManager):
    def __init__(self, rules):
        self.rules = rules

    def _airlock_rules(self):
        return self.rules

    def _airlock_meta(self, dag_ids):
        return lookup(dag_ids)


@pytest.mark.parametrize("case", sorted(FIX["cases"]))
def test_airflow2_security_manager_dag_checks_apply_the_rules(case):
    sm = SecurityManager(rules_of(case))
    expected = FIX["cases"][case]
    readable, editable = set(expected["readable"]), set(expected["editable"]) & ROLE_EDITABLE
    assert sm.get_readable_dag_ids() == readable
    assert sm.get_editable_dag_ids() == editable
    assert sm.get_accessible_dag_ids(None, ["can_read"]) == readable
    assert sm.get_accessible_dag_ids(None) == readable | editable
    for d in ALL_DAGS:
        assert sm.can_read_dag(d) == (d in readable), d
        assert sm.can_edit_dag(d) == (d in editable), d
        assert sm.can_access_some_dags("can_read", d) == (d in readable), d
        assert sm.can_access_some_dags("can_edit", d) == (d in editable), d


def test_marker_only_with_a_verified_identity_and_an_installed_filter():
    dag_filter.reset_installed()
    try:
        assert marker_headers(object()) == {}
        dag_filter.mark_installed()
        assert marker_headers(None) == {}
        assert marker_headers(object()) == {MARKER_HEADER: "applied"}
    finally:
        dag_filter.reset_installed()


def test_every_dag_editable_needs_every_dag_readable():
    # Airflow's DagFilter returns the whole table when "PUT on every DAG" holds: never while reading is restricted
    read_only_restricted = DagRules.parse([{"o": "r--------", "match": "*"}, {"o": "a--------", "dag_ids": ["example_etl"]}])
    assert rules_allow(read_only_restricted, "PUT", False, None, lookup) is False
    assert rules_allow(read_only_restricted, "GET", False, None, lookup) is False
    assert rules_allow(DagRules.parse([{"o": "----r----", "every": True}]), "GET", False, None, lookup) is True
    # may trigger a DAG it may not read: not editable either
    blind = DagRules.parse([{"o": "d--------", "dag_ids": ["ml_training"]}])
    assert rules_allow(blind, "PUT", False, "ml_training", lookup) is False
    assert rules_allow(blind, "PUT", False, "example_etl", lookup) is True


def test_pure_helpers_fail_closed_on_unknown_metadata():
    rules = rules_of("dave_one_dag")
    # the tags rule restricts reading; a DAG Airflow has no metadata for is not readable
    assert rules_allow(rules, "GET", False, "deployed_after_last_read", lookup) is False
    assert filter_by_rules(rules, ["deployed_after_last_read", "example_etl"], "GET", lookup) == {"example_etl"}
    assert rules_allow(None, "GET", False, "anything", lookup) is True


# --- Airflow 3: the real auth manager module on stand-ins for the two Airflow modules it imports ----------------

T = TypeVar("T")


@pytest.fixture()
def airflow3_manager(monkeypatch):
    base = types.ModuleType("airflow.api_fastapi.auth.managers.base_auth_manager")

    class BaseAuthManager(Generic[T]):
        def __init__(self, context=None):
            self.context = context

    base.BaseAuthManager = BaseAuthManager
    user_mod = types.ModuleType("airflow.api_fastapi.auth.managers.models.base_user")

    class BaseUser:
        pass

    user_mod.BaseUser = BaseUser
    names = ["airflow", "airflow.api_fastapi", "airflow.api_fastapi.auth", "airflow.api_fastapi.auth.managers",
             "airflow.api_fastapi.auth.managers.models"]
    for n in names:
        monkeypatch.setitem(sys.modules, n, sys.modules.get(n) or types.ModuleType(n))
    monkeypatch.setitem(sys.modules, base.__name__, base)
    monkeypatch.setitem(sys.modules, user_mod.__name__, user_mod)
    monkeypatch.delitem(sys.modules, "airflow_airlock.airflow3.auth_manager", raising=False)
    import airflow_airlock.airflow3.auth_manager as am_mod
    from airflow_airlock.airflow3.authorizer import RoleAuthorizer
    from airflow_airlock.roles import RoleTable

    monkeypatch.setattr(am_mod, "load_dag_meta", lambda ids: lookup(ids))
    dag_filter.reset_installed()
    manager = am_mod.AirlockAuthManager()
    manager.__dict__["authorizer"] = RoleAuthorizer(RoleTable.default())
    yield manager, am_mod
    dag_filter.reset_installed()
    sys.modules.pop("airflow_airlock.airflow3.auth_manager", None)


class User:
    def __init__(self, roles, rules):
        self.roles = roles
        self.identity = types.SimpleNamespace(dag_rules=rules)


@pytest.mark.parametrize("case", sorted(FIX["cases"]))
def test_airflow3_auth_manager_filters_dag_lists_by_the_rules(airflow3_manager, case):
    manager, _ = airflow3_manager
    assert dag_filter.is_installed(), "building the auth manager installs the DAG filter (answers get the marker)"
    expected = FIX["cases"][case]
    viewer = User(("Viewer",), rules_of(case))
    assert manager.filter_authorized_dag_ids(dag_ids=set(ALL_DAGS), user=viewer, method="GET") == set(expected["readable"])
    # Viewer edits nothing: the role is the ceiling
    assert manager.filter_authorized_dag_ids(dag_ids=set(ALL_DAGS), user=viewer, method="PUT") == set()
    op = User(("Op",), rules_of(case))
    assert manager.filter_authorized_dag_ids(dag_ids=set(ALL_DAGS), user=op, method="PUT", team_name=None) == set(expected["editable"])
    for d in ALL_DAGS:
        assert manager.is_authorized_dag(method="GET", user=viewer, details=DagDetails(d)) == (d in expected["readable"]), d
    assert manager.is_authorized_dag(method="GET", user=viewer, details=DagDetails(None)) == (not expected["restricts"]["read"])


def test_airflow3_without_a_claim_roles_decide_alone(airflow3_manager):
    manager, _ = airflow3_manager
    viewer = User(("Viewer",), None)
    assert manager.filter_authorized_dag_ids(dag_ids=set(ALL_DAGS), user=viewer) == set(ALL_DAGS)
    assert manager.is_authorized_dag(method="GET", user=viewer, details=DagDetails(None)) is True


def test_airflow3_middleware_marks_answers_only_under_a_verified_assertion(make_verifier, contract):
    from airflow_airlock.airflow3 import AirlockAssertionMiddleware

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-airlock-dag-filter", b"forged")]})
        await send({"type": "http.response.body", "body": b"{}"})

    def call(headers):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/api/v2/dags", "root_path": "", "headers": headers}
        asyncio.run(AirlockAssertionMiddleware(app, verifier=make_verifier())(scope, receive, send))
        return sent

    token = contract["valid"]["person_webauthn"]["token"].encode()
    dag_filter.reset_installed()
    try:
        # no DAG filter installed: the app's answer goes out as it is, no marker added
        assert call([(b"x-airlock-assertion", token)])[0]["headers"] == [(b"x-airlock-dag-filter", b"forged")]
        dag_filter.mark_installed()
        start = call([(b"x-airlock-assertion", token)])[0]
        assert [(k, v) for k, v in start["headers"] if k == b"x-airlock-dag-filter"] == [(b"x-airlock-dag-filter", b"applied")]
        refused = call([])[0]
        assert refused["status"] == 401
        assert all(k != b"x-airlock-dag-filter" for k, _ in refused["headers"])
    finally:
        dag_filter.reset_installed()
