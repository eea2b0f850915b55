"""A 2xx response whose body the caller reads as it arrives; every read raises SDK errors only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

import aiohttp

from ..errors import BackendAIError, RequestTimeoutError, ResponseError
from .request import safe_url

__all__ = ["StreamPart", "StreamResponse", "read_error"]

#: What aiohttp raises while a body is read (RuntimeError: the session was closed under it).
READ_ERRORS = (asyncio.TimeoutError, aiohttp.ClientError, RuntimeError)


def read_error(resp: aiohttp.ClientResponse, exc: BaseException) -> BackendAIError:
    """The SDK error for ``exc``, raised by aiohttp while reading the body of ``resp``."""
    if isinstance(exc, asyncio.TimeoutError):  # first: aiohttp's socket timeouts are ClientErrors too
        cls: type[BackendAIError] = RequestTimeoutError
        message = "the call's deadline passed while reading the response body"
    else:
        cls, message = ResponseError, f"could not read the response body: {exc}"
    return cls(message, status=resp.status, request_method=resp.method, request_url=safe_url(resp.url))


class StreamResponse:
    """The status and headers of a streamed answer, and reads of its body.

    A read that times out raises ``RequestTimeoutError``; any other failure ``ResponseError``.
    """

    __slots__ = ("_resp",)

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp

    @property
    def status(self) -> int:
        return self._resp.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._resp.headers

    @property
    def content_type(self) -> str:
        """The media type, lower-case, without parameters."""
        return self._resp.content_type

    @property
    def content_length(self) -> int | None:
        return self._resp.content_length

    async def read(self) -> bytes:
        """The rest of the body."""
        try:
            return await self._resp.read()
        except READ_ERRORS as exc:
            raise read_error(self._resp, exc) from exc

    async def readany(self) -> bytes:
        """The next bytes as they arrive; ``b""`` at the end."""
        try:
            return await self._resp.content.readany()
        except READ_ERRORS as exc:
            raise read_error(self._resp, exc) from exc

    async def iter_chunked(self, size: int) -> AsyncIterator[bytes]:
        """The body in chunks of at most ``size`` bytes."""
        content = self._resp.content
        while True:
            try:
                chunk = await content.read(size)
            except READ_ERRORS as exc:
                raise read_error(self._resp, exc) from exc
            if not chunk:
                return
            yield chunk

    async def parts(self) -> AsyncIterator[StreamPart]:
        """The parts of a ``multipart/*`` body, in order."""
        if not self.content_type.startswith("multipart/"):
            raise ResponseError(f"expected a multipart body, got {self.content_type}", status=self.status)
        reader = aiohttp.MultipartReader(self._resp.headers, self._resp.content)
        while True:
            try:
                part = await reader.next()
            except (*READ_ERRORS, ValueError) as exc:
                raise read_error(self._resp, exc) from exc
            if part is None:
                return
            if not isinstance(part, aiohttp.BodyPartReader):
                raise ResponseError("a nested multipart body", status=self.status)
            yield StreamPart(self._resp, part)


class StreamPart:
    """One part of a multipart ``StreamResponse``."""

    __slots__ = ("_part", "_resp")

    def __init__(self, resp: aiohttp.ClientResponse, part: aiohttp.BodyPartReader) -> None:
        self._resp = resp
        self._part = part

    @property
    def headers(self) -> Mapping[str, str]:
        return self._part.headers

    @property
    def filename(self) -> str | None:
        return self._part.filename

    async def read_chunk(self, size: int) -> bytes:
        """The next at most ``size`` bytes of the part; ``b""`` at its end."""
        try:
            return await self._part.read_chunk(size)
        except (*READ_ERRORS, ValueError) as exc:
            raise read_error(self._resp, exc) from exc
