"""The manager's gate: the version header, HMAC authentication (server-contract §2.2), the rate limit."""

from __future__ import annotations

import hmac
from collections import deque
from datetime import datetime, timedelta

from ._http import Call, Problem, auth_params_error, expected_signature, parse_authorization, parse_date
from ._state import Rules

__all__ = ["Gate"]

_DATE_WINDOW = timedelta(minutes=15)
_RATE_WINDOW = timedelta(seconds=900)


class Gate:
    """Checks a request before its handler runs."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._hits: dict[str, deque[datetime]] = {}

    def check_version(self, call: Call) -> None:
        version = call.headers.get("X-BackendAI-Version")
        if version is not None and version not in self.rules.state.generation.accepted:
            raise Problem(400, "generic-bad-request", "Unsupported API version.")
        call.version = version

    def authenticate(self, call: Call) -> None:
        """HMAC verification exactly as server-contract §2.2; sets ``call.access_key``."""
        date = self._request_date(call) if self.rules.state.generation.date_check_first else None
        header = call.headers.get("Authorization")
        if header is None:
            raise Problem(401, "auth-failed", "Unauthorized access")
        hash_name, access_key, signature = parse_authorization(header)
        if "X-BackendAI-Version" not in call.headers:
            raise auth_params_error("API version missing in request headers")
        date_text, day = date or self._request_date(call)
        keypair = self.rules.state.keypairs.get(access_key)
        if keypair is None or not keypair.is_active:
            raise Problem(401, "auth-failed", "Access key not found")
        expected = expected_signature(call, hash_name, keypair.secret_key, date_text, day)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise Problem(401, "auth-failed", "Signature mismatch")
        call.access_key = access_key

    def _request_date(self, call: Call) -> tuple[str, str]:
        """``(date header text, YYYYMMDD in its own offset)``; ``Date`` wins over ``X-BackendAI-Date``."""
        text = call.headers.get("Date") or call.headers.get("X-BackendAI-Date")
        parsed = parse_date(text) if text else None
        if text is None or parsed is None or abs(parsed - self.rules.now()) >= _DATE_WINDOW:
            raise auth_params_error("Date/time sync error")
        return text, parsed.strftime("%Y%m%d")

    def count_hit(self, access_key: str | None) -> dict[str, str]:
        """Count a request in the key's 900 s window; the ``X-RateLimit-*`` headers to send."""
        if access_key is None:
            return {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "1000", "X-RateLimit-Window": "900"}
        now = self.rules.now()
        hits = self._hits.setdefault(access_key, deque())
        while hits and now - hits[0] >= _RATE_WINDOW:
            hits.popleft()
        hits.append(now)
        limit = self.rules.state.keypairs[access_key].rate_limit
        if len(hits) > limit:
            raise Problem(429, "rate-limit-exceeded")
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - len(hits)),
            "X-RateLimit-Window": "900",
        }
