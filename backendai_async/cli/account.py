"""``version``, ``login``, ``logout``."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import sys

from ..client import Client
from ..config import ClientConfig, __version__
from ..errors import AuthenticationError, ConfigError, ResponseError
from .context import Context
from .settings import CapturingSessionAuthenticator, Settings
from .store import StoredSession, forget, save

__all__ = ["ask_credentials", "login", "logout", "version"]


async def version(ctx: Context) -> None:
    ctx.out.result({"version": __version__}, f"backendai-async {__version__}")


def ask_credentials(args: argparse.Namespace, settings: Settings) -> None:
    """``args.credentials``: the user id (``--user`` or ``BACKEND_USER_ID``) and the password
    (``BACKEND_PASSWORD``), else asked on the terminal (before the event loop starts, so that
    Ctrl-C interrupts the prompt)."""
    env = settings.environ
    user: str | None = args.user or env.get("BACKEND_USER_ID", "").strip() or None
    password = env.get("BACKEND_PASSWORD") or None
    interactive = sys.stdin.isatty()
    if user is None:
        if not interactive:
            raise ConfigError("login needs a user: --user or BACKEND_USER_ID")
        user = input("User (email): ").strip()
    if password is None:
        if not interactive:
            raise ConfigError("login needs a password: BACKEND_PASSWORD, or run it on a terminal")
        password = getpass.getpass("Password: ")
    args.credentials = (user, password)


async def login(ctx: Context) -> None:
    user, password = ctx.args.credentials
    config = dataclasses.replace(ctx.settings.config(session=True), user_id=user, password=password)
    authenticator = CapturingSessionAuthenticator()
    async with Client(config, agent_signature="cli", authenticator=authenticator) as client:
        result = await client.login()
        if not result:
            raise AuthenticationError(f"login refused: {result.fail_reason}")
        if authenticator.session_id is None:
            raise ResponseError("the webserver logged in without handing out a session id")
        save(ctx.settings.store, StoredSession(str(config.endpoint), user, authenticator.session_id))
    answer = {"endpoint": config.endpoint, "user_id": user, "api_version": client.api_version}
    ctx.out.result(answer, f"logged in to {config.endpoint} as {user}")


async def logout(ctx: Context) -> None:
    """End the webserver session; the stored one is forgotten even if the server cannot be reached."""
    store = ctx.settings.store
    stored = ctx.settings.stored()
    if stored is None:
        ctx.out.result({"logged_out": False}, "not logged in")
        return
    env = {**ctx.settings.environ, "BACKEND_ENDPOINT": stored.endpoint, "BACKEND_ENDPOINT_TYPE": "session"}
    config = ClientConfig.from_env(env)  # the stored endpoint, with the environment's TLS settings
    try:
        authenticator = CapturingSessionAuthenticator(stored.session_id)
        async with Client(config, agent_signature="cli", authenticator=authenticator) as client:
            await client.logout()
    finally:
        forget(store)
    ctx.out.result({"logged_out": True, "endpoint": stored.endpoint}, f"logged out of {stored.endpoint}")
