"""ASGI middleware for the Airflow 3 API server: every request must carry a valid X-Airlock-Assertion.

It verifies the assertion and puts it in ``Authorization: Bearer``, replacing whatever the client sent, so
Airflow's own token reading hands it to AirlockAuthManager.get_user_from_token. A request without a valid
assertion is refused here (401/403/503 JSON) and never reaches Airflow. Pure ASGI: no Airflow import.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Iterable

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
    ) -> None:
        self.app = app
        self._verifier = verifier
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

    def _relative_path(self, scope: dict) -> str:
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        return path[len(root):] if root and path.startswith(root) else path

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if self._relative_path(scope).startswith(self.passthrough_prefixes):
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
