"""Assertions minted by the real gateway are accepted; each hostile one is refused with its own reason."""

from __future__ import annotations

import pytest

from airflow_airlock import AirlockAssertionError, AssertionExpired, AssertionIdentity, AssertionInvalid


def _as_expected(identity: AssertionIdentity) -> dict:
    return {
        "sub": identity.sub,
        "username": identity.username,
        "email": identity.email,
        "name": identity.name,
        "groups": list(identity.groups),
        "roles": list(identity.roles),
        "sid": identity.sid,
        "amr": list(identity.amr),
        "kind": identity.kind,
        "token_name": identity.token_name,
        "service_account": identity.service_account,
        "act": {"sub": identity.act.sub, "preferred_username": identity.act.username} if identity.act else None,
    }


def test_gateway_minted_assertion_is_accepted(make_verifier, contract, valid_case):
    identity = make_verifier().verify(valid_case["token"])
    assert _as_expected(identity) == valid_case["expect"]
    assert identity.issuer == contract["issuer"]
    assert identity.audience == contract["audience"]
    assert identity.version == contract["contract_version"] == 1
    assert 0 < identity.expires_at - identity.issued_at <= 300


def test_hostile_assertion_is_refused(make_verifier, hostile_case):
    with pytest.raises(AirlockAssertionError) as caught:
        make_verifier().verify(hostile_case["token"])
    assert (caught.value.code, caught.value.reason) == (hostile_case["code"], hostile_case["reason"])
    assert caught.value.status == 401


def test_missing_header_is_refused(make_verifier):
    with pytest.raises(AirlockAssertionError) as caught:
        make_verifier().verify(None)
    assert caught.value.code == "AIRLOCK_AIRFLOW_ASSERTION_MISSING"


def test_issuer_must_match_exactly(make_verifier, contract, jwks_server):
    token = contract["valid"]["person_webauthn"]["token"]
    with pytest.raises(AssertionInvalid) as caught:
        make_verifier(issuer=contract["issuer"] + "/").verify(token)
    assert caught.value.reason == "iss"


def test_audience_of_another_environment_is_refused(make_verifier, contract):
    with pytest.raises(AssertionInvalid) as caught:
        make_verifier(audience="dev").verify(contract["valid"]["person_webauthn"]["token"])
    assert caught.value.reason == "aud"


def test_small_leeway_accepts_a_just_expired_assertion_and_none_refuses_it(make_verifier, contract):
    token = contract["recently_expired"]["token"]
    assert make_verifier(leeway_seconds=60).verify(token).username == "ada"
    with pytest.raises(AssertionExpired):
        make_verifier(leeway_seconds=0).verify(token)


def test_oversized_token_is_refused_before_any_key_lookup(make_verifier, jwks_server):
    with pytest.raises(AssertionInvalid) as caught:
        make_verifier().verify("a." + "b" * 20000 + ".c")
    assert caught.value.reason == "format"
    assert jwks_server.requests == 0
