"""A resolver for TLS tests: any host name, any port, reaches one loopback port (so that
``https://bai.test`` and ``https://bai.test:443`` can be signed and verified against a local server)."""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult


class ToPort(AbstractResolver):
    """Resolves every name to 127.0.0.1 and every port to ``port``."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {"hostname": host, "host": "127.0.0.1", "port": self.port, "family": socket.AF_INET, "proto": 0, "flags": 0}
        ]

    async def close(self) -> None:
        pass
