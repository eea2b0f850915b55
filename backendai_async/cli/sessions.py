"""``session create|ls|info|logs|rm|events``."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ..resources.compute_session import ALL_STATUSES
from .context import Context

__all__ = ["create", "events", "info", "logs", "ls", "rm"]

LIVE_STATUSES = ",".join(s for s in ALL_STATUSES.split(",") if s not in ("TERMINATED", "CANCELLED"))
LIST_FIELDS = ("name", "status", "image", "created_at", "id")


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} takes KEY=VALUE, not {item!r}")
        pairs[key] = value
    return pairs


async def create(ctx: Context) -> None:
    args = ctx.args
    resources: dict[str, Any] = {}
    for key in ("cpu", "mem", "gpu"):
        if getattr(args, key) is not None:
            resources[key] = getattr(args, key)
    if args.env:
        resources["env"] = _pairs(args.env, "--env")
    if args.mount:
        resources["mounts"] = list(args.mount)
    if args.group:
        resources["group_name"] = args.group
    if args.scaling_group:
        resources["scaling_group"] = args.scaling_group
    async with ctx.settings.client() as client:
        result = await client.create_if_not_exists(args.image, args.name, resources, timeout=args.timeout)
    what = "created" if result.get("created") else "already exists"
    ctx.out.result(result, f"{args.name}: {what} ({result.get('status', 'unknown status')})")


async def ls(ctx: Context) -> None:
    status = ALL_STATUSES if ctx.args.all else LIVE_STATUSES
    async with ctx.settings.client() as client:
        rows = await client.compute_session.list_all(LIST_FIELDS, status)
    ctx.out.table(rows, LIST_FIELDS)


async def info(ctx: Context) -> None:
    async with ctx.settings.client() as client:
        ctx.out.record(await client.get_info(ctx.args.name))


async def logs(ctx: Context) -> None:
    async with ctx.settings.client() as client:
        answer = await client.get_logs(ctx.args.name)
    text = str(answer.get("result", {}).get("logs") or "")
    ctx.out.result(answer, text.rstrip("\n"))


async def rm(ctx: Context) -> None:
    async with ctx.settings.client() as client:
        answer = await client.destroy(ctx.args.name, forced=ctx.args.forced)
    ctx.out.result(answer, f"{ctx.args.name}: destroyed")


async def events(ctx: Context) -> None:
    """Follow the event stream (it reconnects by itself) until Ctrl-C."""
    name = ctx.args.name or "*"
    async with ctx.settings.client() as client, client.session_events(name) as stream:
        ctx.out.note(f"following the events of {'every session' if name == '*' else name} (Ctrl-C to stop)")
        async for event in stream:
            try:
                data = event.json()
            except ValueError:
                data = event.data
            if ctx.out.as_json:
                ctx.out.json({"event": event.event, "id": event.id, "data": data})
                continue
            fields = data if isinstance(data, dict) else {}
            session = fields.get("sessionName") or fields.get("sessionId") or "-"
            reason = fields.get("reason") or ""
            ctx.out.line(f"{event.event}  {session}  {reason}".rstrip())
