"""Airflow 2 (FAB): a gateway user's login is recorded like any FAB login (last_login, login_count).

FAB cannot be installed here. ``FabLikeSecurityManager`` implements the FAB methods sync_fab_user calls, and
``update_user_auth_stat`` as FAB's BaseSecurityManager does it (login_count + 1, last_login = now,
fail_login_count = 0, then update_user).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest

from airflow_airlock.airflow2 import LOGIN_ACTIONS, session_action, sync_fab_user


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
    last_login: datetime.datetime | None = None
    login_count: int | None = None
    fail_login_count: int | None = None


class FabLikeSecurityManager:
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

    def update_user_auth_stat(self, user, success=True):
        # flask_appbuilder.security.manager.BaseSecurityManager.update_user_auth_stat
        if not user.login_count:
            user.login_count = 0
        if not user.fail_login_count:
            user.fail_login_count = 0
        if success:
            user.login_count += 1
            user.last_login = datetime.datetime.now()
            user.fail_login_count = 0
        else:
            user.fail_login_count += 1
        self.update_user(user)


@pytest.fixture()
def ada(make_verifier, contract):
    return make_verifier().verify(contract["valid"]["person_webauthn"]["token"])


def test_a_first_login_creates_the_user_and_records_the_login(ada):
    sm = FabLikeSecurityManager(["Admin", "User"])
    before = datetime.datetime.now()
    user = sync_fab_user(sm, ada, record_login=True)
    assert user.login_count == 1 and user.fail_login_count == 0
    assert user.last_login is not None and user.last_login >= before


def test_each_new_airflow_session_counts_once_and_a_kept_session_does_not(ada):
    sm = FabLikeSecurityManager(["Admin", "User"])
    # the before_request hook: record_login exactly for the session actions that start a session
    for current in (None, "mallory"):
        action = session_action(current, [], ada)
        assert action in LOGIN_ACTIONS
        sync_fab_user(sm, ada, record_login=action in LOGIN_ACTIONS)
    assert sm.users["ada"].login_count == 2
    for roles in (["Viewer"], ["Admin", "User"]):  # resync, then keep
        action = session_action("ada", roles, ada)
        assert action not in LOGIN_ACTIONS
        if action != "keep":
            sync_fab_user(sm, ada, record_login=action in LOGIN_ACTIONS)
    assert sm.users["ada"].login_count == 2


def test_a_failed_count_left_by_an_old_password_login_is_reset(ada):
    sm = FabLikeSecurityManager(["Admin", "User"])
    sm.users["ada"] = User("ada", "Ada", "Lovelace", "ada@example.com", [Role("Admin"), Role("User")], login_count=4, fail_login_count=2)
    user = sync_fab_user(sm, ada, record_login=True)
    assert (user.login_count, user.fail_login_count) == (5, 0)


def test_without_record_login_nothing_is_counted(ada):
    sm = FabLikeSecurityManager(["Admin", "User"])
    user = sync_fab_user(sm, ada)
    assert user.login_count is None and user.last_login is None
