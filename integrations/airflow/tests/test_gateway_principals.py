"""The gateway's own callers (docs/assertion-contract.md, "Gateway principals"), minted by the gateway's code.

- ``anonymous``: an allow-listed route forwarded without a signed-in caller. Accepted (it proves the request came
  through the gateway) but it names nobody: no FAB user is made or logged in, the Flask session ends, the REST API
  and Airflow 3's auth manager refuse it.
- ``dag_metadata_reader``: the gateway reading Airflow's DAG list for tags/owners rules, a service with Viewer.
"""

from __future__ import annotations

import pytest

from airflow_airlock import SignInRequired
from airflow_airlock.airflow2 import LOGIN_ACTIONS, session_action, sync_fab_user

from test_airflow2_logins import FabLikeSecurityManager


@pytest.fixture()
def principals(make_verifier, contract):
    v = make_verifier()
    return {name: (v.verify(case["token"]), case["expect"]) for name, case in contract["gateway_principals"].items()}


def test_the_anonymous_assertion_is_accepted_and_names_nobody(principals):
    identity, expect = principals["anonymous"]
    assert identity.anonymous is True and expect["anonymous"] is True
    assert (identity.kind, identity.roles, identity.groups, identity.amr) == ("service", (), (), ())
    assert identity.sub == expect["sub"] == "airlock:anonymous"
    assert identity.email is None and identity.name is None


def test_an_assertion_without_the_claim_is_not_anonymous(principals, make_verifier, contract):
    reader, expect = principals["dag_metadata_reader"]
    assert reader.anonymous is False and expect["anonymous"] is False
    person = make_verifier().verify(contract["valid"]["person_webauthn"]["token"])
    assert person.anonymous is False


def test_the_dag_metadata_reader_is_a_viewer_service(principals):
    reader, expect = principals["dag_metadata_reader"]
    assert (reader.kind, reader.username, reader.roles) == ("service", "airlock-dag-metadata", ("Viewer",))
    assert reader.username == expect["username"] and list(reader.roles) == expect["roles"]


def test_airflow2_anonymous_ends_the_session_and_makes_no_user(principals):
    identity, _ = principals["anonymous"]
    assert session_action(None, [], identity) == "anonymous"
    assert session_action("ada", ["Admin"], identity) == "anonymous"  # a leftover Flask session is not used
    assert "anonymous" not in LOGIN_ACTIONS
    sm = FabLikeSecurityManager(["Admin", "Viewer"])
    with pytest.raises(SignInRequired) as caught:
        sync_fab_user(sm, identity, record_login=True)
    assert (caught.value.code, caught.value.status, caught.value.reason) == ("AIRLOCK_AIRFLOW_SIGN_IN_REQUIRED", 401, "anonymous")
    assert sm.users == {} and sm.updates == 0


def test_the_dag_metadata_reader_becomes_a_fab_viewer(principals):
    reader, _ = principals["dag_metadata_reader"]
    sm = FabLikeSecurityManager(["Admin", "Viewer"])
    user = sync_fab_user(sm, reader, record_login=True)
    assert user.username == "airlock-dag-metadata" and [r.name for r in user.roles] == ["Viewer"]
    assert user.login_count == 1
