"""The process-wide verifier and role table the Airflow glue uses (runtime.py)."""

from __future__ import annotations

import json

import pytest

from airflow_airlock import runtime


@pytest.fixture()
def fresh_runtime():
    saved = (runtime._verifier, runtime._table)
    runtime._verifier, runtime._table = None, None
    yield runtime
    runtime._verifier, runtime._table = saved


def test_built_once_from_the_environment(fresh_runtime, monkeypatch, contract, jwks_server, tmp_path):
    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps({"finance_reader": [["can_read", "DAG:finance_daily"]]}))
    monkeypatch.setenv("AIRLOCK_ISSUER", contract["issuer"])
    monkeypatch.setenv("AIRLOCK_AUDIENCE", contract["audience"])
    monkeypatch.setenv("AIRLOCK_JWKS_URL", jwks_server.jwks_url)
    monkeypatch.setenv("AIRLOCK_CUSTOM_ROLES_FILE", str(roles))
    verifier = fresh_runtime.get_verifier()
    assert fresh_runtime.get_verifier() is verifier
    assert verifier.verify(contract["valid"]["person_webauthn"]["token"]).username == "ada"
    table = fresh_runtime.get_role_table()
    assert "finance_reader" in table.roles and "Viewer" in table.roles
    assert fresh_runtime.get_role_table() is table


def test_missing_environment_fails_loudly(fresh_runtime, monkeypatch):
    monkeypatch.delenv("AIRLOCK_ISSUER", raising=False)
    monkeypatch.delenv("AIRLOCK_AUDIENCE", raising=False)
    with pytest.raises(ValueError):
        fresh_runtime.get_verifier()


def test_configure_installs_an_explicit_verifier(fresh_runtime, make_verifier, contract):
    verifier = make_verifier()
    fresh_runtime.configure(verifier)
    assert fresh_runtime.get_verifier() is verifier


def test_middleware_takes_a_verifier_factory(make_verifier, contract):
    import asyncio

    from airflow_airlock.airflow3 import AirlockAssertionMiddleware

    verifier = make_verifier()
    reached: list[dict] = []

    async def inner(scope, receive, send):
        reached.append(scope)

    app = AirlockAssertionMiddleware(inner, verifier=lambda: verifier)
    token = contract["valid"]["service_token"]["token"].encode()
    asyncio.run(app({"type": "http", "path": "/api/v2/pools", "headers": [(b"x-airlock-assertion", token)]}, None, None))
    assert reached[0]["state"]["airlock_identity"].kind == "service"
