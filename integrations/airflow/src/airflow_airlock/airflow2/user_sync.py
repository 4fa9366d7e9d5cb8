"""Airflow 2 (FAB): what the FAB user must look like for an identity, and how to make it so.

``fab_user_fields``, ``plan_roles`` and ``session_action`` are pure. ``sync_fab_user`` talks to FAB's
security manager through its documented methods only (find_user, find_role, add_user, update_user).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..claims import AssertionIdentity
from ..errors import NoAirflowRole, UserInactive

#: FAB requires a unique, non-empty email; an identity without one gets this reserved-TLD address.
PLACEHOLDER_EMAIL_DOMAIN = "users.airlock.invalid"


def fab_user_fields(identity: AssertionIdentity) -> dict[str, str]:
    email = identity.email if identity.email else f"{identity.username}@{PLACEHOLDER_EMAIL_DOMAIN}"
    return {
        "username": identity.username,
        "email": email,
        "first_name": identity.first_name[:64],
        "last_name": identity.last_name[:64],
    }


def plan_roles(wanted: Iterable[str], existing: Iterable[str]) -> tuple[list[str], list[str]]:
    """(roles to assign, unknown role names). Roles are assigned only if they exist in FAB; none -> refused."""
    have = set(existing)
    assign = sorted({r for r in wanted if r in have})
    unknown = sorted({r for r in wanted if r not in have})
    if not assign:
        raise NoAirflowRole("no_role", f"none of the assertion's roles {sorted(set(wanted))} exists in Airflow")
    return assign, unknown


def session_action(current_username: str | None, current_roles: Iterable[str], identity: AssertionIdentity) -> str:
    """What the per-request hook does with the Flask session: keep | login | switch | resync."""
    if current_username is None:
        return "login"
    if current_username != identity.username:
        return "switch"
    if set(current_roles) != set(identity.roles):
        return "resync"
    return "keep"


def sync_fab_user(sm: Any, identity: AssertionIdentity) -> Any:
    """Creates or updates the FAB user (username, email, names) and sets its roles from the assertion."""
    fields = fab_user_fields(identity)
    role_objects = {name: sm.find_role(name) for name in set(identity.roles)}
    assign, _unknown = plan_roles(identity.roles, [n for n, r in role_objects.items() if r is not None])
    roles = [role_objects[name] for name in assign]
    user = sm.find_user(username=fields["username"])
    if user is None:
        user = sm.add_user(fields["username"], fields["first_name"], fields["last_name"], fields["email"], roles)
        if not user:
            raise NoAirflowRole("user_create", f"FAB could not create user {fields['username']!r}")
        return user
    if not user.active:
        # the gateway decides who may come in; an Airflow-side deactivation still holds
        raise UserInactive("inactive", f"user {fields['username']!r} is deactivated in Airflow")
    changed = False
    for attr in ("email", "first_name", "last_name"):
        if getattr(user, attr) != fields[attr]:
            setattr(user, attr, fields[attr])
            changed = True
    if {r.name for r in user.roles} != set(assign):
        user.roles = roles
        changed = True
    if changed:
        sm.update_user(user)
    return user
