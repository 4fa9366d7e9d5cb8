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


def test_service_account_token_becomes_a_fab_user_named_svc_with_its_owner_recorded(identities):
    """Section 5 of the machine identities issue: the service account is the FAB user, the owner is on record."""
    svc = identities["service_account_token"]
    assert (svc.kind, svc.token_name, svc.service_account) == ("service", "etl-ci-main", "etl-ci")
    assert (svc.act.sub, svc.act.username) == ("00u1abcd", "ada")
    assert fab_user_fields(svc) == {
        "username": "svc:etl-ci",
        # an address cannot hold ":": a reserved-TLD placeholder
        "email": "svc-etl-ci@users.airlock.invalid",
        "first_name": "svc:etl-ci",
        "last_name": "(service of ada)",
    }
    sm = MemorySecurityManager(["Admin", "Op", "User", "Viewer"])
    user = sync_fab_user(sm, svc)
    assert user.username == "svc:etl-ci" and [r.name for r in user.roles] == ["User"]
    assert user.last_name == "(service of ada)"


def test_a_new_owner_of_the_service_account_updates_the_fab_user(identities):
    svc = identities["service_account_token"]
    sm = MemorySecurityManager(["User"])
    sm.users["svc:etl-ci"] = User("svc:etl-ci", "svc:etl-ci", "(service of mallory)", "svc-etl-ci@users.airlock.invalid", [Role("User")])
    user = sync_fab_user(sm, svc)
    assert user.last_name == "(service of ada)" and sm.updates == 1


def test_an_agent_is_its_own_fab_user_acting_for_its_person(identities):
    agent = identities["agent_of_person"]
    fields = fab_user_fields(agent)
    assert fields["username"] == "agent:triage-bot"
    assert fields["first_name"] == "agent:triage-bot" and fields["last_name"] == "(agent of grace)"
    assert fields["email"] == "agent-triage-bot@users.airlock.invalid"


def test_a_persons_own_token_is_the_person(identities):
    own = identities["person_token"]
    assert own.act is None and own.token_name == "grace-laptop" and own.amr == ("token",)
    assert fab_user_fields(own)["username"] == "grace"
