"""Shared fixtures: the contract fixture set (written by the gateway's TypeScript code) and a real JWKS server.

AIRLOCK_CONTRACT_FIXTURES names the directory that test/integration/assertion-contract/write-fixtures.ts
wrote (scripts/test-python.sh sets it). Without it, this file runs the writer itself into a temp dir.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
REPO_ROOT = PACKAGE_ROOT.parent.parent
sys.path.insert(0, str(PACKAGE_ROOT / "src"))

_FIXTURES: dict | None = None
_DIRECTORY: str | None = None


def fixture_directory() -> str:
    """Where write-fixtures.ts wrote the fixture files (run once per session when AIRLOCK_CONTRACT_FIXTURES is unset)."""
    global _DIRECTORY
    if _DIRECTORY is None:
        directory = os.environ.get("AIRLOCK_CONTRACT_FIXTURES")
        if not directory:
            directory = tempfile.mkdtemp(prefix="airlock-contract-")
            subprocess.run(
                ["node", "--import", "tsx", "test/integration/assertion-contract/write-fixtures.ts", directory],
                cwd=REPO_ROOT, check=True,
            )
        _DIRECTORY = directory
    return _DIRECTORY


def load_fixture_file(name: str) -> dict:
    return json.loads((Path(fixture_directory()) / name).read_text(encoding="utf-8"))


def load_fixture_set() -> dict:
    global _FIXTURES
    if _FIXTURES is None:
        _FIXTURES = load_fixture_file("fixtures.json")
    return _FIXTURES


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "valid_case" in metafunc.fixturenames:
        valid = load_fixture_set()["valid"]
        metafunc.parametrize("valid_case", [valid[name] for name in sorted(valid)], ids=sorted(valid))
    if "hostile_case" in metafunc.fixturenames:
        hostile = load_fixture_set()["hostile"]
        metafunc.parametrize("hostile_case", [hostile[name] for name in sorted(hostile)], ids=sorted(hostile))


@pytest.fixture(scope="session")
def contract() -> dict:
    return load_fixture_set()


class JwksServer:
    """A real HTTP server on an ephemeral port serving whatever document the test sets."""

    def __init__(self) -> None:
        self.document: object = {"keys": []}
        self.status = 200
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                server.requests += 1
                if self.path != "/.airlock/jwks.json":
                    self.send_error(404)
                    return
                body = json.dumps(server.document).encode() if not isinstance(server.document, bytes) else server.document
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/.airlock/jwks.json"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def _jwks_server_session():
    server = JwksServer()
    yield server
    server.close()


@pytest.fixture()
def jwks_server(contract: dict, _jwks_server_session: JwksServer) -> JwksServer:
    """The session's server, reset: serving the gateway's JWKS (key A), 200, no requests counted."""
    _jwks_server_session.document = contract["jwks"]
    _jwks_server_session.status = 200
    _jwks_server_session.requests = 0
    return _jwks_server_session


class ManualClock:
    """Monotonic time the test moves by hand (cache and rate-limit windows without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture()
def make_verifier(contract: dict, jwks_server: JwksServer, clock: ManualClock):
    from airflow_airlock import AirlockSettings, AssertionVerifier, JwksCache

    def build(**overrides):
        values = dict(issuer=contract["issuer"], audience=contract["audience"], jwks_url=jwks_server.jwks_url)
        values.update(overrides)
        settings = AirlockSettings(**values)
        cache = JwksCache(
            settings.jwks_url,
            cache_seconds=settings.jwks_cache_seconds,
            min_refetch_seconds=settings.jwks_min_refetch_seconds,
            timeout_seconds=settings.http_timeout_seconds,
            clock=clock,
        )
        return AssertionVerifier(settings, jwks=cache)

    return build
