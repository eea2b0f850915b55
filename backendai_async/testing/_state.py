"""The fake's state as its services see it: keypairs, live compute sessions, the small ``ManagerState``
interface they depend on (never ``FakeManager`` itself), and the generation's validation rules."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from ._http import Call, Problem
from .generations import Generation

__all__ = ["DEFAULT_KEYPAIRS", "DEFAULT_USERS", "ComputeSession", "Keypair", "ManagerState", "Rules"]


@dataclass(frozen=True)
class Keypair:
    """An access key the fake knows; ``role`` is ``"superadmin"``, ``"admin"`` or ``"user"``."""

    access_key: str
    secret_key: str = field(repr=False)
    role: str = "user"
    is_active: bool = True
    #: requests allowed per 900 s window (``X-RateLimit-Limit``)
    rate_limit: int = 30000


#: The public example keypairs of the Backend.AI fixtures.
DEFAULT_KEYPAIRS: tuple[Keypair, ...] = (
    Keypair("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "superadmin"),
    Keypair("AKIANABBDUSEREXAMPLE", "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf", "user"),
)
#: Webserver logins: username -> (password, access key).
DEFAULT_USERS: Mapping[str, tuple[str, str]] = {
    "admin@lablup.com": ("wJalrXUt", "AKIAIOSFODNN7EXAMPLE"),
    "user@lablup.com": ("C8qnIo29", "AKIANABBDUSEREXAMPLE"),
}


@dataclass
class ComputeSession:
    """A compute session of the fake."""

    id: str
    name: str
    owner: str
    image: str
    status: str
    created_at: datetime
    type: str = "interactive"
    domain: str = "default"
    group: str = "default"
    architecture: str = "x86_64"
    tag: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    #: why the session is in its status (``"user-requested"`` once destroyed)
    status_info: str | None = None
    terminated_at: datetime | None = None


class ManagerState(Protocol):
    """What the services read and change; ``FakeManager`` provides it."""

    @property
    def generation(self) -> Generation: ...

    keypairs: dict[str, Keypair]
    #: webserver logins: username -> (password, access key)
    users: dict[str, tuple[str, str]]
    #: live compute sessions by session id (TERMINATING ones included)
    sessions: dict[str, ComputeSession]
    #: TERMINATED sessions by session id (GraphQL still lists them)
    terminated: dict[str, ComputeSession]
    #: seconds a destroyed session stays TERMINATING before it is TERMINATED
    termination_delay: float
    unknown_images: set[str]
    clock: Callable[[], datetime]


class Rules:
    """How the simulated generation validates parameters and resolves owners."""

    def __init__(self, state: ManagerState) -> None:
        self.state = state

    def now(self) -> datetime:
        """The server's "now", aware."""
        now = self.state.clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)

    def invalid(self, data: dict[str, Any], msg: str = "Input validation error") -> Problem:
        """A validation error as this generation words it (trafaret ≤ 26.2, pydantic after)."""
        if self.state.generation.rejects_unknown_keys:
            return Problem(400, "invalid-api-params", msg, data=data or None)
        return Problem(400, "generic-bad-request", "; ".join(f"{k}: {v}" for k, v in data.items()) or msg)

    def check_keys(self, given: Collection[str], allowed: Collection[str], required: Iterable[str] = ()) -> None:
        """Missing keys are errors; unknown keys too on generations that reject them."""
        errors = {key: "is required" for key in required if key not in given}
        if self.state.generation.rejects_unknown_keys:
            errors |= {key: f"{key} is not allowed key" for key in given if key not in allowed}
        if errors:
            raise self.invalid(errors)

    def json_object(self, call: Call) -> dict[str, Any]:
        if not isinstance(call.json, dict):
            raise self.invalid({}, msg=f"Malformed body - URL: {call.path}")
        return call.json

    def owner(self, call: Call, requested: Any) -> str:
        """The access key acting as owner: the caller's, or ``owner_access_key`` for admins."""
        caller = call.access_key
        assert caller is not None
        if not requested or requested == caller:
            return caller
        if self.state.keypairs[caller].role not in ("superadmin", "admin"):
            raise Problem(403, "generic-forbidden", "Insufficient privileges")
        if requested not in self.state.keypairs:
            raise self.invalid({"owner_access_key": "unknown access key"})
        return str(requested)
