from __future__ import annotations

import pytest

from airflow_airlock import AirlockSettings
from airflow_airlock.airflow3 import AirlockUser
from airflow_airlock.airflow3.user import deserialize_identity, serialize_identity


def test_settings_from_env_defaults_jwks_to_the_contract_location():
    s = AirlockSettings.from_env({"AIRLOCK_ISSUER": "https://airflow.example.com", "AIRLOCK_AUDIENCE": "prod"})
    assert s.jwks_url == "https://airflow.example.com/.airlock/jwks.json"
    assert (s.leeway_seconds, s.jwks_cache_seconds, s.jwks_min_refetch_seconds) == (30, 300, 30)


def test_settings_from_env_overrides():
    s = AirlockSettings.from_env({
        "AIRLOCK_ISSUER": "https://airflow.example.com", "AIRLOCK_AUDIENCE": "prod",
        "AIRLOCK_JWKS_URL": "http://airlock.internal:8080/.airlock/jwks.json", "AIRLOCK_LEEWAY_SECONDS": "10",
    })
    assert s.jwks_url == "http://airlock.internal:8080/.airlock/jwks.json" and s.leeway_seconds == 10


@pytest.mark.parametrize("env", [
    {},
    {"AIRLOCK_ISSUER": "https://a.example.com"},
    {"AIRLOCK_ISSUER": "airflow.example.com", "AIRLOCK_AUDIENCE": "prod"},
    {"AIRLOCK_ISSUER": "https://a.example.com", "AIRLOCK_AUDIENCE": "prod", "AIRLOCK_LEEWAY_SECONDS": "600"},
    {"AIRLOCK_ISSUER": "https://a.example.com", "AIRLOCK_AUDIENCE": "prod", "AIRLOCK_LEEWAY_SECONDS": "soon"},
    {"AIRLOCK_ISSUER": "https://a.example.com", "AIRLOCK_AUDIENCE": "prod", "AIRLOCK_JWKS_URL": "file:///etc/jwks"},
])
def test_bad_settings_are_refused_at_start(env):
    with pytest.raises(ValueError):
        AirlockSettings.from_env(env)


def test_airflow3_user_is_the_real_person_and_round_trips(make_verifier, contract):
    identity = make_verifier().verify(contract["valid"]["person_webauthn"]["token"])
    user = AirlockUser(identity)
    assert user.get_id() == user.get_name() == "ada"  # what Airflow writes to log.owner
    assert deserialize_identity(serialize_identity(identity)) == identity


def test_machine_claims_survive_airflow3_serialization(make_verifier, contract):
    for name in ("service_account_token", "agent_of_person", "person_token"):
        identity = make_verifier().verify(contract["valid"][name]["token"])
        assert deserialize_identity(serialize_identity(identity)) == identity
