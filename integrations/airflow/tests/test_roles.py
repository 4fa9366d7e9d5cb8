"""The committed role table is what the generator derives from Airflow's default roles, and the
Airflow 3 authorizer answers with FAB's semantics (docs/airflow-integration.md, "Roles")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_airlock import RoleTable
from airflow_airlock.airflow3 import RoleAuthorizer

from conftest import PACKAGE_ROOT, REPO_ROOT

TABLE = PACKAGE_ROOT / "src" / "airflow_airlock" / "roles" / "default_roles.json"


def shared_roles_file() -> Path | None:
    """Airflow's reference data (developers and CI only): None in a clone without ../shared."""
    shared = Path(os.environ.get("AIRLOCK_SHARED_DIR", REPO_ROOT.parent / "shared"))
    path = shared / "airflow" / "airflow2-default-roles.json"
    return path if path.is_file() else None


def test_committed_table_is_what_the_generator_derives():
    source = shared_roles_file()
    if source is None:
        # without the reference data: the committed table must at least be well-formed and complete
        doc = json.loads(TABLE.read_text())
        table = RoleTable.from_document(doc)
        assert set(table.roles) >= {"Viewer", "User", "Op", "Admin", "Public"}
        assert all(isinstance(a, str) and isinstance(r, str) for perms in table.roles.values() for a, r in perms)
        return
    result = subprocess.run(
        [sys.executable, str(PACKAGE_ROOT / "scripts" / "generate_role_table.py"), "--check", str(source), str(TABLE)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr


def test_table_matches_airflow_lists_and_is_cumulative():
    table = RoleTable.default()
    source_file = shared_roles_file()
    if source_file is not None:
        source = json.loads(source_file.read_text())
        newest = next(k for k in source if k.startswith(table.airflow_version))
        for role in ("Viewer", "User", "Op", "Admin"):
            airflow_perms = {tuple(p) for p in source[newest][role]}
            assert airflow_perms <= table.roles[role]
    assert table.roles["Viewer"] < table.roles["User"] < table.roles["Op"] < table.roles["Admin"]
    assert table.roles["Public"] == frozenset()
    assert table.superuser_roles == {"Admin"}


@pytest.fixture(scope="module")
def authz() -> RoleAuthorizer:
    return RoleAuthorizer(RoleTable.default())


def test_viewer_reads_but_does_not_change(authz):
    g = authz.grants(["Viewer"])
    assert authz.dag(g, "GET", dag_id="etl")
    assert not authz.dag(g, "PUT", dag_id="etl")
    assert authz.dag(g, "GET", "RUN", "etl")
    assert not authz.dag(g, "POST", "RUN", "etl")  # trigger
    assert authz.dag(g, "GET", "TASK_LOGS", "etl")
    assert not authz.resource(g, "GET", "Connections")
    assert not authz.resource(g, "GET", "Variables")


def test_user_triggers_and_clears_but_does_not_administer(authz):
    g = authz.grants(["User"])
    assert authz.dag(g, "POST", "RUN", "etl")
    assert authz.dag(g, "PUT", "TASK_INSTANCE", "etl")
    assert authz.dag(g, "PUT", dag_id="etl")  # pause
    assert not authz.resource(g, "POST", "Connections")
    assert not authz.resource(g, "GET", "Configurations")


def test_op_manages_connections_pools_variables(authz):
    g = authz.grants(["Op"])
    for resource in ("Connections", "Pools", "Variables"):
        for method in ("GET", "POST", "PUT", "DELETE"):
            assert authz.resource(g, method, resource), (method, resource)
    assert authz.resource(g, "GET", "Configurations")
    assert not authz.dag(g, "GET", "AUDIT_LOG", "etl")  # Audit Logs are Admin-only in 2.10's lists
    assert not authz.custom_view(g, "GET", "Roles")


def test_admin_holds_every_non_dag_permission(authz):
    g = authz.grants(["Admin"])
    assert authz.dag(g, "GET", "AUDIT_LOG", "etl")
    assert authz.custom_view(g, "PUT", "Roles")
    assert authz.custom_view(g, "can_do", "Some Plugin View")
    assert authz.dag(g, "DELETE", dag_id="anything")
    assert all(authz.view(g, v) for v in ("CLUSTER_ACTIVITY", "DOCS", "IMPORT_ERRORS", "JOBS", "PLUGINS", "PROVIDERS", "TRIGGERS", "WEBSITE"))


def test_unknown_or_no_roles_grant_nothing(authz):
    for roles in ([], ["Superuser"], ["admin"]):  # role names are case-sensitive, as in Airflow
        g = authz.grants(roles)
        assert not authz.dag(g, "GET", dag_id="etl")
        assert not authz.view(g, "WEBSITE")
        assert not authz.menu_item(g, "DAGS")


def test_roles_combine(authz):
    g = authz.grants(["Viewer", "Op"])
    assert authz.resource(g, "DELETE", "Pools")
    assert authz.dag(g, "POST", "RUN", "etl")


def test_airflow3_resources_follow_their_airflow2_counterparts(authz):
    viewer, user = authz.grants(["Viewer"]), authz.grants(["User"])
    assert authz.resource(viewer, "GET", "Assets") and not authz.resource(viewer, "POST", "Assets")
    assert authz.resource(user, "POST", "Assets")
    assert authz.resource(user, "POST", "Backfills") and not authz.resource(viewer, "POST", "Backfills")
    assert authz.dag(viewer, "GET", "VERSION", "etl")
    assert authz.dag(viewer, "GET", "HITL_DETAIL", "etl") and not authz.dag(viewer, "PUT", "HITL_DETAIL", "etl")


def test_docs_view_is_menu_only_and_menus_follow_menu_access(authz):
    viewer, op = authz.grants(["Viewer"]), authz.grants(["Op"])
    assert authz.view(viewer, "DOCS")
    assert authz.menu_item(viewer, "DAGS") and authz.menu_item(viewer, "ASSETS")
    assert not authz.menu_item(viewer, "CONNECTIONS")
    assert authz.menu_item(op, "CONNECTIONS") and authz.menu_item(op, "VARIABLES")


def test_unknown_entities_views_menus_and_methods_are_denied(authz):
    g = authz.grants(["Admin"])
    assert not authz.dag(g, "GET", "SOMETHING_NEW", "etl")
    assert not authz.view(g, "SOMETHING_NEW")
    assert not authz.menu_item(g, "SOMETHING_NEW")
    assert not authz.resource(g, "TRACE", "DAGs")


def test_custom_role_with_per_dag_permissions(tmp_path, authz):
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"finance_reader": [["can_read", "DAG:finance_daily"], ["can_read", "DAG Run:finance_daily"]]}))
    custom = RoleAuthorizer(RoleTable.default().with_custom_roles_file(path))
    g = custom.grants(["finance_reader"])
    assert custom.dag(g, "GET", dag_id="finance_daily")
    assert custom.dag(g, "GET", "RUN", "finance_daily")
    assert not custom.dag(g, "GET", dag_id="hr_payroll")
    assert not custom.dag(g, "GET")  # the DAG list needs the global permission
    assert not custom.dag(g, "PUT", dag_id="finance_daily")
    # the sub-entity needs its own resource too
    assert not custom.dag(g, "GET", "TASK_LOGS", "finance_daily")


def test_custom_roles_cannot_redefine_default_roles():
    with pytest.raises(ValueError):
        RoleTable.default().with_custom_roles({"Viewer": [["can_edit", "DAGs"]]})
    with pytest.raises(ValueError):
        RoleTable.default().with_custom_roles({"x": [["can_read"]]})


def test_roles_from_a_verified_gateway_assertion(make_verifier, contract, tmp_path):
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"finance_reader": [["can_read", "DAG:finance_daily"]]}))
    custom = RoleAuthorizer(RoleTable.default().with_custom_roles_file(path))
    verifier = make_verifier()
    agent = verifier.verify(contract["valid"]["agent_custom_role"]["token"])
    assert custom.dag(custom.grants(agent.roles), "GET", dag_id="finance_daily")
    service = verifier.verify(contract["valid"]["service_token"]["token"])  # roles: Op
    assert custom.resource(custom.grants(service.roles), "POST", "Connections")
    viewer = verifier.verify(contract["valid"]["viewer_idp_mfa"]["token"])
    assert not custom.dag(custom.grants(viewer.roles), "POST", "RUN", "etl")
