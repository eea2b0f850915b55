"""Pure HMAC request signing, exactly as the Backend.AI manager verifies it.

string to sign = ``METHOD\\npath?query\\ndate\\nhost:<Host>\\ncontent-type:<media type>\\n
x-backendai-version:<version>\\nhex(hash(body))``; the body is hashed only for API versions
below ``v4.20181215`` and never for multipart bodies. The signing key is
``HMAC(HMAC(secret, YYYYMMDD), host)`` with the date taken in the date header's own offset.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from .errors import UsageError

__all__ = [
    "KeyedHMAC",
    "Signer",
    "hashes_body",
    "key_date",
    "media_type",
]

_KEY_CACHE_LIMIT = 64
_INNER_PAD = bytes(x ^ 0x36 for x in range(256))
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


def media_type(content_type: str | None) -> str:
    """The media type the server signs: lower-case, no parameters, octet-stream if absent."""
    if not content_type:
        return "application/octet-stream"
    if content_type == "application/json":
        return content_type
    return content_type.split(";", 1)[0].strip().lower() or "application/octet-stream"


@functools.lru_cache(maxsize=64)
def hashes_body(api_version: str) -> bool:
    """True for API versions whose signature covers the request body (below v4.20181215)."""
    major, _, rev = api_version[1:].partition(".")
    return (int(major), rev) < (4, "20181215")


def key_date(date_text: str) -> str:
    """``YYYYMMDD`` of a date header in the offset written in it (a naive date counts as UTC)."""
    text = date_text.strip()
    if len(text) >= 9 and text[:8].isdigit() and text[8] == "T":  # compact YYYYmmddTHHMMSSZ
        return text[:8]
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        parsed = parsedate_to_datetime(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.strftime("%Y%m%d")


class KeyedHMAC:
    """HMAC (RFC 2104) under one key whose padded blocks are hashed once: a message then costs two
    copies of hashlib objects, not a fresh key set-up (what ``hmac.digest`` does on every call)."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes, hash_name: str) -> None:
        self._inner = hashlib.new(hash_name)
        block = self._inner.block_size
        if len(key) > block:
            key = hashlib.new(hash_name, key).digest()
        key = key.ljust(block, b"\0")
        self._inner.update(key.translate(_INNER_PAD))
        self._outer = hashlib.new(hash_name, key.translate(_OUTER_PAD))

    def hexdigest(self, message: bytes) -> str:
        """The hex HMAC of ``message``."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


class Signer:
    """Signs requests for one keypair; caches the derived key per (day, host)."""

    __slots__ = ("_access_key", "_credential", "_empty_digest", "_hash", "_keys", "_secret")

    def __init__(self, access_key: str, secret_key: str, hash_type: str = "sha256") -> None:
        name = hash_type.lower()
        if name not in hashlib.algorithms_guaranteed or "-" in name:
            raise UsageError(f"unsupported hash_type {hash_type!r}")
        self._access_key = access_key
        self._secret = secret_key.encode()
        self._hash = name
        self._credential = f"BackendAI signMethod=HMAC-{name.upper()}, credential={access_key}:"
        self._empty_digest = hashlib.new(name, b"").hexdigest()
        self._keys: dict[tuple[str, str], KeyedHMAC] = {}

    @property
    def access_key(self) -> str:
        return self._access_key

    def __repr__(self) -> str:
        return f"Signer(access_key={self._access_key!r}, hash_type={self._hash!r})"

    def signing_key(self, day: str, host: str) -> bytes:
        """``HMAC(HMAC(secret, day), host)``."""
        return hmac.digest(hmac.digest(self._secret, day.encode(), self._hash), host.encode(), self._hash)

    def _keyed(self, day: str, host: str) -> KeyedHMAC:
        """The final HMAC under the signing key of ``(day, host)``, cached."""
        keyed = self._keys[day, host] = KeyedHMAC(self.signing_key(day, host), self._hash)
        if len(self._keys) > _KEY_CACHE_LIMIT:
            del self._keys[next(iter(self._keys))]
        return keyed

    def body_digest(self, api_version: str, content_type: str | None, body: bytes | None) -> str:
        """Hex digest of the body for old versions, of empty bytes otherwise."""
        if body and hashes_body(api_version) and media_type(content_type) != "multipart/form-data":
            return hashlib.new(self._hash, body).hexdigest()
        return self._empty_digest

    def signature(
        self,
        method: str,
        raw_path: str,
        date_text: str,
        host: str,
        content_type: str | None,
        api_version: str,
        body: bytes | None = None,
        *,
        day: str | None = None,
    ) -> str:
        """Hex signature of one request; ``day`` skips parsing ``date_text`` when known."""
        digest = self.body_digest(api_version, content_type, body) if body else self._empty_digest
        media = content_type if content_type == "application/json" else media_type(content_type)
        text = (
            f"{method}\n{raw_path}\n{date_text}\nhost:{host}\n"
            f"content-type:{media}\nx-backendai-version:{api_version}\n{digest}"
        )
        day = day or key_date(date_text)
        keyed = self._keys.get((day, host)) or self._keyed(day, host)
        return keyed.hexdigest(text.encode())

    def authorization(self, signature: str) -> str:
        """The ``Authorization`` header value carrying a signature."""
        return self._credential + signature
