"""The Airflow 3 ASGI gate: no valid assertion, no Airflow. Driven as a real ASGI app."""

from __future__ import annotations

import asyncio
import json

import pytest

from airflow_airlock.airflow3 import AirlockAssertionMiddleware


class Recorder:
    """The downstream ASGI app: records what reached it and answers 200."""

    def __init__(self) -> None:
        self.scopes: list[dict] = []

    async def __call__(self, scope, receive, send):
        self.scopes.append(scope)
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})


def call(app, path="/api/v2/dags", headers=(), scope_type="http", root_path=""):
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": scope_type, "path": root_path + path, "root_path": root_path, "headers": list(headers)}
    asyncio.run(app(scope, receive, send))
    return sent


@pytest.fixture()
def gate(make_verifier):
    inner = Recorder()
    return inner, AirlockAssertionMiddleware(inner, verifier=make_verifier())


def test_request_without_assertion_never_reaches_airflow(gate):
    inner, app = gate
    sent = call(app, headers=[(b"authorization", b"Basic YWRtaW46YWRtaW4=")])
    assert sent[0]["status"] == 401
    body = json.loads(sent[1]["body"])
    assert body["error"] == "AIRLOCK_AIRFLOW_ASSERTION_MISSING"
    assert inner.scopes == []


def test_hostile_assertion_is_refused(gate, contract):
    inner, app = gate
    sent = call(app, headers=[(b"x-airlock-assertion", contract["hostile"]["tampered_payload"]["token"].encode())])
    assert sent[0]["status"] == 401
    assert json.loads(sent[1]["body"])["reason"] == "signature"
    assert inner.scopes == []


def test_valid_assertion_replaces_the_clients_authorization(gate, contract):
    inner, app = gate
    token = contract["valid"]["person_webauthn"]["token"]
    sent = call(app, headers=[(b"authorization", b"Bearer attacker-token"), (b"X-Airlock-Assertion", token.encode()),
                              (b"cookie", b"_token=attacker")])
    assert sent[0]["status"] == 200
    (scope,) = inner.scopes
    auth = [v for k, v in scope["headers"] if k == b"authorization"]
    assert auth == [b"Bearer " + token.encode()]
    assert scope["state"]["airlock_identity"].username == "ada"


def test_two_assertion_headers_are_refused(gate, contract):
    inner, app = gate
    token = contract["valid"]["person_webauthn"]["token"].encode()
    sent = call(app, headers=[(b"x-airlock-assertion", token), (b"x-airlock-assertion", token)])
    assert sent[0]["status"] == 401
    assert json.loads(sent[1]["body"])["reason"] == "duplicate"
    assert inner.scopes == []


def test_task_execution_api_passes_through_untouched(gate):
    inner, app = gate
    sent = call(app, path="/execution/task-instances/1/heartbeat", headers=[(b"authorization", b"Bearer task-jwt")],
                root_path="/airflow")
    assert sent[0]["status"] == 200
    assert [v for k, v in inner.scopes[0]["headers"] if k == b"authorization"] == [b"Bearer task-jwt"]


def test_execution_prefix_is_matched_as_a_path_segment(gate):
    inner, app = gate
    sent = call(app, path="/executionx/anything")
    assert sent[0]["status"] == 401
    assert inner.scopes == []


def test_websocket_without_assertion_is_closed(gate):
    inner, app = gate
    sent = call(app, path="/ws", scope_type="websocket")
    assert sent == [{"type": "websocket.close", "code": 1008}]
    assert inner.scopes == []


def test_jwks_outage_is_503(make_verifier, contract, jwks_server):
    jwks_server.status = 503
    app = AirlockAssertionMiddleware(Recorder(), verifier=make_verifier())
    sent = call(app, headers=[(b"x-airlock-assertion", contract["valid"]["person_webauthn"]["token"].encode())])
    assert sent[0]["status"] == 503
    assert json.loads(sent[1]["body"])["error"] == "AIRLOCK_AIRFLOW_JWKS_UNAVAILABLE"


def test_bad_passthrough_prefix_is_a_configuration_error():
    with pytest.raises(ValueError):
        AirlockAssertionMiddleware(Recorder(), passthrough_prefixes=["/execution"])
