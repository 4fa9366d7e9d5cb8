"""Roles -> FAB permissions (action, resource), with Airflow's default-role semantics."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

Permission = tuple[str, str]
#: Per-DAG resources are "<prefix><dag_id>" (Airflow: DAG:<dag_id>, from 2.10 also DAG Run:<dag_id>).
PER_DAG_PREFIXES = ("DAG:", "DAG Run:")


def _pairs(raw: object, where: str) -> frozenset[Permission]:
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list of [action, resource] pairs")
    out: set[Permission] = set()
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) and x for x in item)):
            raise ValueError(f"{where}: {item!r} is not an [action, resource] pair")
        out.add((item[0], item[1]))
    return frozenset(out)


@dataclass(frozen=True)
class RoleTable:
    """Permissions of each role name. Superuser roles (Admin) hold every non-per-DAG permission."""

    roles: Mapping[str, frozenset[Permission]]
    superuser_roles: frozenset[str]
    airflow_version: str

    @classmethod
    def from_document(cls, document: Mapping[str, object]) -> "RoleTable":
        raw_roles = document.get("roles")
        if not isinstance(raw_roles, Mapping):
            raise ValueError("role table: 'roles' must be an object")
        roles = {name: _pairs(perms, f"role {name}") for name, perms in raw_roles.items()}
        superusers = document.get("superuser_roles", [])
        if not isinstance(superusers, list) or not all(isinstance(r, str) and r in roles for r in superusers):
            raise ValueError("role table: superuser_roles must name roles of the table")
        return cls(roles=roles, superuser_roles=frozenset(superusers), airflow_version=str(document.get("airflow_version", "")))

    @classmethod
    def default(cls) -> "RoleTable":
        """The committed table derived from Airflow's default roles (scripts/generate_role_table.py)."""
        text = resources.files(__package__).joinpath("default_roles.json").read_text(encoding="utf-8")
        return cls.from_document(json.loads(text))

    def with_custom_roles(self, custom: Mapping[str, object]) -> "RoleTable":
        """Adds roles of the site's own (name -> [[action, resource], ...]); default roles cannot be redefined."""
        clash = sorted(set(custom) & set(self.roles))
        if clash:
            raise ValueError(f"custom roles may not redefine default roles: {', '.join(clash)}")
        extra = {name: _pairs(perms, f"custom role {name}") for name, perms in custom.items()}
        return RoleTable(roles={**self.roles, **extra}, superuser_roles=self.superuser_roles, airflow_version=self.airflow_version)

    def with_custom_roles_file(self, path: str | Path) -> "RoleTable":
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(document, Mapping):
            raise ValueError(f"{path}: expected an object of role name -> permission pairs")
        return self.with_custom_roles(document)

    def grants(self, role_names: Iterable[str]) -> "Grants":
        names = frozenset(role_names)
        perms: set[Permission] = set()
        for name in names & set(self.roles):
            perms |= self.roles[name]
        return Grants(
            permissions=frozenset(perms),
            superuser=bool(names & self.superuser_roles),
            known_roles=frozenset(names & set(self.roles)),
        )


@dataclass(frozen=True)
class Grants:
    """What one caller's roles allow. Unknown role names grant nothing."""

    permissions: frozenset[Permission]
    superuser: bool
    known_roles: frozenset[str]

    def allows(self, action: str, resource: str) -> bool:
        if (action, resource) in self.permissions:
            return True
        return self.superuser and not resource.startswith(PER_DAG_PREFIXES)
