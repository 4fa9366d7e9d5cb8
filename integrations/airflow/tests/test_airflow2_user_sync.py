"""Airflow 2 (FAB) user sync: fields and roles from the assertion, session follows the assertion.

FAB cannot be installed here, so ``sync_fab_user`` runs against a small in-memory security manager that
implements the four FAB methods it calls (find_user, find_role, add_user, update_user) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from airflow_airlock import NoAirflowRole, UserInactive
from airflow_airlock.airflow2 import fab_user_fields, plan_roles, session_action, sync_fab_user


@dataclass
class Role:
    name: str


@dataclass
class User:
    username: str
    first_name: str
    last_name: str
    email: str
    roles: list = field(default_factory=list)
    active: bool = True


class MemorySecurityManager:
    def __init__(self, role_names):
        self.role_objects = {n: Role(n) for n in role_names}
        self.users: dict[str, User] = {}
        self.updates = 0

    def find_role(self, name):
        return self.role_objects.get(name)

    def find_user(self, username=None, email=None):
        return self.users.get(username)

    def add_user(self, username, first_name, last_name, email, role, password=""):
        user = User(username, first_name, last_name, email, list(role) if isinstance(role, list) else [role])
        self.users[username] = user
        return user

    def update_user(self, user):
        self.updates += 1
        self.users[user.username] = user


@pytest.fixture()
def identities(make_verifier, contract):
    v = make_verifier()
    return {name: v.verify(case["token"]) for name, case in contract["valid"].items()}


def test_fields_come_from_the_assertion(identities):
    assert fab_user_fields(identities["person_webauthn"]) == {
        "username": "ada", "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
    }
    service = fab_user_fields(identities["service_token"])
    assert service["email"] == "etl-loader@users.airlock.invalid"
    assert service["first_name"] == "etl-loader" and service["last_name"] == "(service)"


def test_first_login_creates_the_user_with_the_assertion_roles(identities):
    sm = MemorySecurityManager(["Admin", "Op", "User", "Viewer"])
    user = sync_fab_user(sm, identities["person_webauthn"])
    assert user.username == "ada" and sorted(r.name for r in user.roles) == ["Admin", "User"]


def test_later_login_updates_fields_and_replaces_roles(identities):
    sm = MemorySecurityManager(["Admin", "Op", "User", "Viewer"])
    sm.users["ada"] = User("ada", "A", "L", "old@example.com", [Role("Viewer"), Role("Op")])
    user = sync_fab_user(sm, identities["person_webauthn"])
    assert user.email == "ada@example.com" and user.first_name == "Ada"
    assert sorted(r.name for r in user.roles) == ["Admin", "User"]
    assert sm.updates == 1
    sync_fab_user(sm, identities["person_webauthn"])
    assert sm.updates == 1  # nothing changed, nothing written


def test_roles_unknown_to_airflow_are_skipped_and_none_known_is_refused(identities):
    assert plan_roles(["Admin", "Ghost"], ["Admin", "Viewer"]) == (["Admin"], ["Ghost"])
    sm = MemorySecurityManager(["Admin", "Op", "User", "Viewer"])
    with pytest.raises(NoAirflowRole) as caught:
        sync_fab_user(sm, identities["agent_custom_role"])  # finance_reader does not exist in this FAB
    assert caught.value.status == 403
    assert sm.users == {}


def test_deactivated_airflow_user_is_refused(identities):
    sm = MemorySecurityManager(["Viewer"])
    sm.users["grace"] = User("grace", "Grace", "(airlock)", "grace@example.com", [Role("Viewer")], active=False)
    with pytest.raises(UserInactive):
        sync_fab_user(sm, identities["viewer_idp_mfa"])


def test_session_follows_the_assertion(identities):
    ada = identities["person_webauthn"]
    assert session_action(None, [], ada) == "login"
    assert session_action("mallory", ["Admin"], ada) == "switch"
    assert session_action("ada", ["Viewer"], ada) == "resync"
    assert session_action("ada", ["User", "Admin"], ada) == "keep"
