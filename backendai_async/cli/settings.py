"""Which server and which credentials: ``BACKEND_*`` variables, overridden by flags, and the stored login."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..auth import SESSION_ID_HEADER, SessionAuthenticator
from ..client import Client
from ..config import ClientConfig
from ..errors import AuthenticationError
from .store import StoredSession, load, store_path

__all__ = ["CapturingSessionAuthenticator", "Settings"]


class CapturingSessionAuthenticator(SessionAuthenticator):
    """A ``SessionAuthenticator`` that remembers the session id the webserver hands out, to store it."""

    def __init__(self, session_id: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        if session_id is not None:
            super().on_response({SESSION_ID_HEADER: session_id})

    def on_response(self, headers: Mapping[str, str]) -> None:
        super().on_response(headers)
        self.session_id = headers.get(SESSION_ID_HEADER) or self.session_id

    def forget(self) -> None:
        super().forget()
        self.session_id = None


@dataclass(frozen=True)
class Settings:
    """The environment with the command line's flags applied, and where the login is stored."""

    environ: Mapping[str, str]
    store: Path

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
        env = dict(environ)
        if args.endpoint:
            env["BACKEND_ENDPOINT"] = args.endpoint
        if args.endpoint_type:
            env["BACKEND_ENDPOINT_TYPE"] = args.endpoint_type
        return cls(env, store_path(environ))

    def stored(self) -> StoredSession | None:
        return load(self.store)

    def config(self, *, session: bool = False) -> ClientConfig:
        """The ``ClientConfig``. Without ``BACKEND_ENDPOINT_TYPE`` (or ``--endpoint-type``), a stored
        login means SESSION mode on its endpoint; ``session`` forces SESSION mode (``login``)."""
        env = dict(self.environ)
        stored = self.stored()
        if session or (not env.get("BACKEND_ENDPOINT_TYPE", "").strip() and stored is not None):
            env["BACKEND_ENDPOINT_TYPE"] = "session"
        session_mode = env.get("BACKEND_ENDPOINT_TYPE", "").strip().lower() == "session"
        if session_mode and stored is not None and not env.get("BACKEND_ENDPOINT", "").strip():
            env["BACKEND_ENDPOINT"] = stored.endpoint
        return ClientConfig.from_env(env)

    def client(self) -> Client:
        """A client for a command: API mode signs with the keypair, SESSION mode reuses the stored login."""
        config = self.config()
        if config.connection_mode != "SESSION":
            return Client(config, agent_signature="cli")
        stored = self.stored()
        if stored is None or stored.endpoint != config.endpoint:
            raise AuthenticationError(f"not logged in to {config.endpoint}: run `backendai-async login` first")
        return Client(config, agent_signature="cli", authenticator=CapturingSessionAuthenticator(stored.session_id))
