"""Airflow's health endpoints answer without an assertion (AIRLOCK_PUBLIC_PATHS); nothing else does.

The Airflow 3 gate is driven as a real ASGI app; Airflow 2's before_request hook asks the same
``AirlockSettings.is_public``.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from airflow_airlock import AirlockSettings
from airflow_airlock.airflow3 import AirlockAssertionMiddleware
from airflow_airlock.settings import DEFAULT_PUBLIC_PATHS

ENV = {"AIRLOCK_ISSUER": "https://airflow.example.com", "AIRLOCK_AUDIENCE": "prod"}


def test_default_public_paths_are_the_health_endpoints():
    s = AirlockSettings.from_env(ENV)
    assert s.public_paths == DEFAULT_PUBLIC_PATHS == ("/health", "/api/v1/health", "/api/v2/monitor/health")
    for path in DEFAULT_PUBLIC_PATHS:
        assert s.is_public("GET", path) and s.is_public("HEAD", path)
        assert not s.is_public("POST", path) and not s.is_public("DELETE", path)
    for path in ("/api/v1/version", "/api/v1/dags", "/health/", "/health/x", "/HEALTH", "/api/v1/health/../dags", "/", ""):
        assert not s.is_public("GET", path), path


def test_public_paths_are_configurable_and_can_be_none():
    s = AirlockSettings.from_env({**ENV, "AIRLOCK_PUBLIC_PATHS": " /health , /api/v1/version "})
    assert s.public_paths == ("/health", "/api/v1/version")
    assert s.is_public("GET", "/api/v1/version") and not s.is_public("GET", "/api/v1/health")
    none = AirlockSettings.from_env({**ENV, "AIRLOCK_PUBLIC_PATHS": ""})
    assert none.public_paths == () and not none.is_public("GET", "/health")


@pytest.mark.parametrize("bad", ["health", "/api/*", "/health?x=1", "/a/../b", "/a//b", "/a/./b", "/a b", "/x/..", "/%2e%2e"])
def test_a_public_path_that_is_not_an_exact_path_is_a_start_up_error(bad):
    with pytest.raises(ValueError):
        AirlockSettings.from_env({**ENV, "AIRLOCK_PUBLIC_PATHS": f"/health,{bad}"})


class Recorder:
    def __init__(self) -> None:
        self.scopes: list[dict] = []

    async def __call__(self, scope, receive, send):
        self.scopes.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def call(app, path, method="GET", headers=(), root_path=""):
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": root_path + path, "root_path": root_path, "headers": list(headers)}
    asyncio.run(app(scope, receive, send))
    return sent


@pytest.fixture()
def gate(make_verifier):
    inner = Recorder()
    return inner, AirlockAssertionMiddleware(inner, verifier=make_verifier())


def test_airflow3_health_answers_without_an_assertion(gate):
    inner, app = gate
    assert call(app, "/api/v2/monitor/health")[0]["status"] == 200
    assert call(app, "/api/v2/monitor/health", method="HEAD")[0]["status"] == 200
    assert call(app, "/api/v2/monitor/health", root_path="/dev")[0]["status"] == 200, "under a base_url prefix"
    assert len(inner.scopes) == 3


@pytest.mark.parametrize("method,path", [
    ("POST", "/api/v2/monitor/health"),
    ("GET", "/api/v2/monitor/health/"),
    ("GET", "/api/v2/monitor/healthz"),
    ("GET", "/api/v2/version"),
    ("GET", "/api/v2/dags"),
])
def test_everything_else_still_needs_an_assertion(gate, method, path):
    inner, app = gate
    sent = call(app, path, method=method)
    assert sent[0]["status"] == 401
    assert json.loads(sent[1]["body"])["error"] == "AIRLOCK_AIRFLOW_ASSERTION_MISSING"
    assert inner.scopes == []


def test_an_explicit_public_path_list_replaces_the_settings(make_verifier):
    inner = Recorder()
    app = AirlockAssertionMiddleware(inner, verifier=make_verifier(), public_paths=["/api/v2/version"])
    assert call(app, "/api/v2/version")[0]["status"] == 200
    assert call(app, "/api/v2/monitor/health")[0]["status"] == 401


def test_the_gateways_anonymous_assertion_passes_the_gate_as_a_bearer_token(gate, contract):
    inner, app = gate
    token = contract["gateway_principals"]["anonymous"]["token"]
    sent = call(app, "/api/v2/version", headers=[(b"x-airlock-assertion", token.encode()), (b"authorization", b"Bearer attacker")])
    assert sent[0]["status"] == 200
    (scope,) = inner.scopes
    assert [v for k, v in scope["headers"] if k == b"authorization"] == [b"Bearer " + token.encode()]
    assert scope["state"]["airlock_identity"].anonymous is True
