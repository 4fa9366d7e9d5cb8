#!/usr/bin/env python3
"""Derives the committed role table (src/airflow_airlock/roles/default_roles.json) from Airflow's own
default-role lists in shared/airflow/airflow2-default-roles.json.

    /usr/bin/python3 integrations/airflow/scripts/generate_role_table.py \
        ../shared/airflow/airflow2-default-roles.json integrations/airflow/src/airflow_airlock/roles/default_roles.json

Rules (docs/airflow-integration.md, "Roles"):
- the newest Airflow 2 version in the source file is used (its lists are the FAB provider's, which the
  Airflow 3 FAB auth manager keeps);
- roles are cumulative as in Airflow: Viewer, User = Viewer + USER, Op = User + OP, Admin = Op + ADMIN;
  the source's per-role lists already are, and the script checks that they are;
- Airflow 3 renamed or added resources that 2.x does not list; each gets the grants of the 2.x resource it
  replaces or belongs to (RESOURCE_ALIASES below), so a role means in Airflow 3 what it meant in 2.x;
- Admin additionally holds every permission on every non-per-DAG resource (Airflow's
  update_admin_permission()); the table marks that with "superuser_roles".
With --check, compares instead of writing and exits 1 when the committed file differs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROLE_ORDER = ("Public", "Viewer", "User", "Op", "Admin")
# Airflow 3 resource -> the Airflow 2 resource whose grants it takes.
RESOURCE_ALIASES = {
    "Assets": "Datasets",
    "Asset Aliases": "Datasets",
    "Backfills": "DAG Runs",
    "DAG Versions": "DAG Code",
    "HITL Detail": "Task Instances",
}


def _version_key(label: str) -> tuple[int, ...]:
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", label)
    if not match:
        raise ValueError(f"not a version label: {label!r}")
    return tuple(int(part) for part in match.groups())


def derive(source: dict) -> dict:
    versions = sorted((k for k in source if not k.startswith("_")), key=_version_key)
    if not versions:
        raise ValueError("the source lists no Airflow version")
    label = versions[-1]
    lists = source[label]
    roles: dict[str, list[list[str]]] = {}
    previous: set[tuple[str, str]] = set()
    for role in ROLE_ORDER:
        perms = {tuple(p) for p in lists[role]}
        if role != "Public" and not previous <= perms:
            raise ValueError(f"{label}: role {role} is not cumulative over the one below it")
        previous = set(perms) if role != "Public" else set()
        for new, old in RESOURCE_ALIASES.items():
            perms |= {(action, new) for action, resource in list(perms) if resource == old}
        roles[role] = sorted([list(p) for p in perms])
    return {
        "_generated_by": "integrations/airflow/scripts/generate_role_table.py",
        "_source": f"shared/airflow/airflow2-default-roles.json, Airflow {label}",
        "airflow_version": label.split(" ")[0],
        "resource_aliases": RESOURCE_ALIASES,
        "superuser_roles": ["Admin"],
        "roles": roles,
    }


def render(table: dict) -> str:
    """Stable JSON with one permission pair a line, so a diff of the table reads as a diff of grants."""
    text = json.dumps(table, indent=1, sort_keys=True)
    return re.sub(r'\[\n\s+("[^"]*"),\n\s+("[^"]*")\n\s+\]', r"[\1, \2]", text) + "\n"


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--check"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, out = Path(args[0]), Path(args[1])
    text = render(derive(json.loads(source.read_text(encoding="utf-8"))))
    if "--check" in argv:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is not what {source} generates; rerun the generator", file=sys.stderr)
            return 1
        return 0
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
