"""ASGI middleware for the Airflow 3 API server: every request must carry a valid X-Airlock-Assertion.

It verifies the assertion and puts it in ``Authorization: Bearer``, replacing whatever the client sent, so
Airflow's own token reading hands it to AirlockAuthManager.get_user_from_token. A request without a valid
assertion is refused here (401/403/503 JSON) and never reaches Airflow. Pure ASGI: no Airflow import.

Two kinds of request pass without a person: a GET/HEAD of one of the settings' ``public_paths`` (Airflow's health
endpoints, for probes that reach Airflow directly) passes untouched, with no assertion needed; the gateway's
anonymous assertion (an allow-listed route forwarded without a signed-in caller) is verified and passed like any
other, and AirlockAuthManager.get_user_from_token refuses it, so only routes that need no user answer.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Iterable

from ..dag_filter import marker_headers
from ..errors import AirlockAssertionError, AssertionInvalid
from ..refusal import refusal_body
from ..verifier import AssertionVerifier

ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]
#: Task-execution traffic from workers carries Airflow's own task tokens, not the gateway's assertion.
DEFAULT_PASSTHROUGH_PREFIXES = ("/execution/",)
_HEADER = b"x-airlock-assertion"


class AirlockAssertionMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        verifier: AssertionVerifier | Callable[[], AssertionVerifier] | None = None,
        passthrough_prefixes: Iterable[str] = DEFAULT_PASSTHROUGH_PREFIXES,
        public_paths: Iterable[str] | None = None,
    ) -> None:
        self.app = app
        self._verifier = verifier
        #: None: the verifier's settings decide (AIRLOCK_PUBLIC_PATHS).
        self._public_paths = None if public_paths is None else frozenset(public_paths)
        self.passthrough_prefixes = tuple(passthrough_prefixes)
        for prefix in self.passthrough_prefixes:
            if not prefix.startswith("/") or not prefix.endswith("/"):
                raise ValueError(f"passthrough prefix {prefix!r} must start and end with /")

    def _get_verifier(self) -> AssertionVerifier:
        if isinstance(self._verifier, AssertionVerifier):
            return self._verifier
        if callable(self._verifier):
            return self._verifier()
        from ..runtime import get_verifier

        return get_verifier()

    def _is_public(self, scope: dict, path: str) -> bool:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            return False
        if self._public_paths is not None:
            return path in self._public_paths
        return self._get_verifier().settings.is_public(scope["method"], path)

    def _relative_path(self, scope: dict) -> str:
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        return path[len(root):] if root and path.startswith(root) else path

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = self._relative_path(scope)
        if path.startswith(self.passthrough_prefixes) or self._is_public(scope, path):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        values = [v for k, v in headers if k.lower() == _HEADER]
        try:
            if len(values) > 1:
                raise AssertionInvalid("duplicate", "more than one X-Airlock-Assertion header")
            token = values[0].decode("latin-1") if values else None
            identity = await asyncio.to_thread(self._get_verifier().verify, token)
        except AirlockAssertionError as err:
            await self._refuse(scope, send, err)
            return
        kept = [(k, v) for k, v in headers if k.lower() not in (b"authorization",)]
        kept.append((b"authorization", b"Bearer " + values[0]))
        new_scope = dict(scope)
        new_scope["headers"] = kept
        state = dict(scope.get("state") or {})
        state["airlock_identity"] = identity
        new_scope["state"] = state
        marker = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in marker_headers(identity).items()]
        if marker and scope["type"] == "http":
            await self.app(new_scope, receive, _with_headers(send, marker))
        else:
            await self.app(new_scope, receive, send)

    @staticmethod
    async def _refuse(scope: dict, send: Any, err: AirlockAssertionError) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = refusal_body(err)
        await send({
            "type": "http.response.start",
            "status": err.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        (b"cache-control", b"no-store")],
        })
        await send({"type": "http.response.body", "body": body})


def _with_headers(send: Any, extra: list[tuple[bytes, bytes]]) -> Any:
    """``send`` that adds ``extra`` to the response start (the DAG filter marker, dag_filter.py); an app's own
    header of the same name is replaced."""
    names = {k for k, _ in extra}

    async def wrapped(message: dict) -> None:
        if message.get("type") == "http.response.start":
            message = dict(message)
            message["headers"] = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names] + extra
        await send(message)

    return wrapped
