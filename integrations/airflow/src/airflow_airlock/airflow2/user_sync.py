"""Airflow 2 (FAB): what the FAB user must look like for an identity, and how to make it so.

``fab_user_fields``, ``plan_roles`` and ``session_action`` are pure. ``sync_fab_user`` talks to FAB's
security manager through its documented methods only (find_user, find_role, add_user, update_user,
update_user_auth_stat).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..claims import AssertionIdentity
from ..errors import NoAirflowRole, SignInRequired, UserInactive

#: FAB requires a unique, non-empty email; an identity without one gets this reserved-TLD address.
PLACEHOLDER_EMAIL_DOMAIN = "users.airlock.invalid"


def _placeholder_email(username: str) -> str:
    """A reserved-TLD address for an identity without email; characters an address cannot hold ("svc:etl-ci") become "-"."""
    local = re.sub(r"[^A-Za-z0-9._+-]", "-", username).strip(".") or "user"
    return f"{local}@{PLACEHOLDER_EMAIL_DOMAIN}"


def fab_user_fields(identity: AssertionIdentity) -> dict[str, str]:
    """Username, email and names of the FAB user. A machine (service account, agent) is named by its username
    (``svc:etl-ci``, ``agent:triage-bot``); its last name records its kind and owner, e.g. ``(service of ada)``."""
    email = identity.email if identity.email else _placeholder_email(identity.username)
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


#: Session actions after which the person counts as having logged in (FAB's last_login / login_count).
LOGIN_ACTIONS = frozenset({"login", "switch"})


def session_action(current_username: str | None, current_roles: Iterable[str], identity: AssertionIdentity) -> str:
    """What the per-request hook does with the Flask session: keep | login | switch | resync | anonymous.

    ``anonymous``: the gateway's anonymous assertion (an allow-listed route, nobody signed in): the request runs
    as Airflow's anonymous user and a Flask session, if any, is ended.
    """
    if identity.anonymous:
        return "anonymous"
    if current_username is None:
        return "login"
    if current_username != identity.username:
        return "switch"
    if set(current_roles) != set(identity.roles):
        return "resync"
    return "keep"


def sync_fab_user(sm: Any, identity: AssertionIdentity, *, record_login: bool = False) -> Any:
    """Creates or updates the FAB user (username, email, names) and sets its roles from the assertion.

    ``record_login``: this is a login (a new Flask session, or a REST call, which FAB's own auth backends also
    count): FAB's ``update_user_auth_stat`` sets ``last_login`` and adds one to ``login_count``, as for any login.
    The gateway's anonymous assertion names nobody: refused (``SignInRequired``), no user is made.
    """
    if identity.anonymous:
        raise SignInRequired("anonymous", "the gateway forwarded this request without a signed-in caller")
    user = _synced_user(sm, identity)
    if record_login:
        sm.update_user_auth_stat(user, True)
    return user


def _synced_user(sm: Any, identity: AssertionIdentity) -> Any:
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
