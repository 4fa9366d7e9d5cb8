"""The body and status a refused request gets (no stack trace, no token, no key material)."""

from __future__ import annotations

import json

from .errors import AirlockAssertionError


def refusal_body(err: AirlockAssertionError) -> bytes:
    return json.dumps({"error": err.code, "message": err.message, "reason": err.reason}).encode("utf-8")


def refusal_status(err: AirlockAssertionError) -> int:
    return err.status
