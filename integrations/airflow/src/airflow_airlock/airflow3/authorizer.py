"""Airflow 3 authorization decisions from assertion roles, with the FAB auth manager's semantics.

Pure: no Airflow import. The auth manager (auth_manager.py) passes Airflow's enums; they are read by
``.name`` (strings are taken as names), and methods by value ("GET", "POST", "PUT", "DELETE", "MENU").
Anything this module does not know (a new entity, view or menu item) is denied: fail closed.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..roles import Grants, RoleTable

METHOD_TO_ACTION = {
    "GET": "can_read",
    "POST": "can_create",
    "PUT": "can_edit",
    "PATCH": "can_edit",
    "DELETE": "can_delete",
    "MENU": "menu_access",
}
RESOURCE_DAG = "DAGs"
RESOURCE_DAG_RUN = "DAG Runs"
DAG_PREFIX = "DAG:"
DAG_RUN_PREFIX = "DAG Run:"

DAG_ACCESS_ENTITY_RESOURCES: dict[str, tuple[str, ...]] = {
    "AUDIT_LOG": ("Audit Logs",),
    "CODE": ("DAG Code",),
    "DEPENDENCIES": ("DAG Dependencies",),
    "RUN": (RESOURCE_DAG_RUN,),
    "SLA_MISS": ("SLA Misses",),
    "TASK": ("Task Instances",),
    # as in FAB: a task instance is read through its run too
    "TASK_INSTANCE": (RESOURCE_DAG_RUN, "Task Instances"),
    "TASK_LOGS": ("Task Logs",),
    "TASK_RESCHEDULE": ("Task Reschedules",),
    "VERSION": ("DAG Versions",),
    "WARNING": ("DAG Warnings",),
    "XCOM": ("XComs",),
    "HITL_DETAIL": ("HITL Detail",),
}
ACCESS_VIEW_RESOURCES: dict[str, str] = {
    "CLUSTER_ACTIVITY": "Cluster Activity",
    "DOCS": "Documentation",
    "IMPORT_ERRORS": "ImportError",
    "JOBS": "Jobs",
    "PLUGINS": "Plugins",
    "PROVIDERS": "Providers",
    "TRIGGERS": "Triggers",
    "WEBSITE": "Website",
}
MENU_ITEM_RESOURCES: dict[str, str] = {
    "ASSETS": "Assets",
    "AUDIT_LOG": "Audit Logs",
    "CONFIG": "Configurations",
    "CONNECTIONS": "Connections",
    "DAGS": RESOURCE_DAG,
    "DOCS": "Documentation",
    "JOBS": "Jobs",
    "PLUGINS": "Plugins",
    "POOLS": "Pools",
    "PROVIDERS": "Providers",
    "REQUIRED_ACTIONS": "HITL Detail",
    "VARIABLES": "Variables",
    "XCOMS": "XComs",
}


def _name(value: Any) -> str:
    return value.name if hasattr(value, "name") and not isinstance(value, str) else str(value)


def _method(value: Any) -> str:
    raw = getattr(value, "value", value)
    return str(raw).upper()


def action_for(method: Any) -> str | None:
    return METHOD_TO_ACTION.get(_method(method))


class RoleAuthorizer:
    """Answers is_authorized_* for a set of role names."""

    def __init__(self, table: RoleTable) -> None:
        self.table = table

    def grants(self, roles: Iterable[str]) -> Grants:
        return self.table.grants(roles)

    def resource(self, grants: Grants, method: Any, resource: str) -> bool:
        action = action_for(method)
        return action is not None and grants.allows(action, resource)

    def _dag_itself(self, grants: Grants, method: Any, dag_id: str | None) -> bool:
        if self.resource(grants, method, RESOURCE_DAG):
            return True
        return bool(dag_id) and self.resource(grants, method, DAG_PREFIX + str(dag_id))

    def dag(self, grants: Grants, method: Any, access_entity: Any = None, dag_id: str | None = None) -> bool:
        if access_entity is None:
            return self._dag_itself(grants, method, dag_id)
        resources = DAG_ACCESS_ENTITY_RESOURCES.get(_name(access_entity))
        if resources is None:
            return False
        dag_method = "GET" if _method(method) == "GET" else "PUT"
        if dag_id and not self._dag_itself(grants, dag_method, dag_id):
            return False
        for resource in resources:
            if self.resource(grants, method, resource):
                continue
            if resource == RESOURCE_DAG_RUN and dag_id and self.resource(grants, method, DAG_RUN_PREFIX + str(dag_id)):
                continue
            return False
        return True

    def view(self, grants: Grants, access_view: Any) -> bool:
        name = _name(access_view)
        resource = ACCESS_VIEW_RESOURCES.get(name)
        if resource is None:
            return False
        # as in FAB: "Docs" is a menu entry only
        return self.resource(grants, "MENU" if name == "DOCS" else "GET", resource)

    def custom_view(self, grants: Grants, method: Any, resource_name: str) -> bool:
        action = action_for(method)
        if action is None:
            raw = str(getattr(method, "value", method))
            # a plugin's own action name (e.g. can_do), used as the FAB action itself
            action = raw if raw.startswith(("can_", "menu_")) else None
        return action is not None and grants.allows(action, resource_name)

    def menu_item(self, grants: Grants, menu_item: Any) -> bool:
        resource = MENU_ITEM_RESOURCES.get(_name(menu_item))
        return resource is not None and grants.allows("menu_access", resource)
