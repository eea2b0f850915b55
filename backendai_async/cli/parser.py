"""The command line: ``argparse`` only; each command names its handler and, where needed, a step
that runs before the event loop (prompts)."""

from __future__ import annotations

import argparse
from typing import NoReturn

from . import account, sessions, vfolders
from .exits import EXIT_CODES_HELP

__all__ = ["build_parser"]

PROG = "backendai-async"

DESCRIPTION = """\
Backend.AI from the command line: compute sessions and virtual folders.

Configuration comes from the BACKEND_* environment variables (BACKEND_ENDPOINT,
BACKEND_ACCESS_KEY and BACKEND_SECRET_KEY in API mode; BACKEND_ENDPOINT_TYPE=session,
BACKEND_USER_ID and BACKEND_PASSWORD for `login` through the webserver); flags override
them. After `login`, commands reuse the stored session until `logout`."""


class Parser(argparse.ArgumentParser):
    """Usage mistakes: one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _common(suppress: bool) -> Parser:
    """Options accepted before and after the command (``session ls --json``); on the commands
    they default to nothing, so that they do not undo what was given before."""
    default = argparse.SUPPRESS
    common = Parser(add_help=False)
    common.add_argument(
        "--endpoint",
        default=default if suppress else None,
        help="the manager (API mode) or webserver (SESSION mode) URL; overrides BACKEND_ENDPOINT",
    )
    common.add_argument(
        "--endpoint-type",
        "--mode",
        dest="endpoint_type",
        choices=("api", "session"),
        type=str.lower,
        default=default if suppress else None,
        help="api (keypair) or session (webserver login); overrides BACKEND_ENDPOINT_TYPE",
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=default if suppress else False,
        help="machine-readable output on stdout",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=default if suppress else False,
        help="tracebacks on failure and the SDK's debug log on stderr",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(suppress=False)],
    )
    common = _common(suppress=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    def command(group: argparse._SubParsersAction[Parser], name: str, help: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help, description=help, parents=[common])
        return sub

    command(commands, "version", "print the version of backendai-async").set_defaults(handler=account.version)

    login = command(commands, "login", "log in through the webserver (SESSION mode) and keep the session")
    login.add_argument("--user", help="the user id (email); default BACKEND_USER_ID, else asked")
    login.set_defaults(handler=account.login, prepare=account.ask_credentials)
    command(commands, "logout", "end the stored webserver session").set_defaults(handler=account.logout)

    session = command(commands, "session", "compute sessions").add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=Parser
    )
    create = command(session, "create", "create a compute session (or find it running)")
    create.add_argument("image", metavar="IMAGE", help="e.g. cr.backend.ai/stable/python:3.9-ubuntu20.04")
    create.add_argument("name", metavar="NAME", help="the session's name")
    create.add_argument("--cpu", type=int, help="CPU cores")
    create.add_argument("--mem", help="memory, e.g. 1g or 512m")
    create.add_argument("--gpu", type=float, help="CUDA GPUs (cuda.device)")
    create.add_argument("--env", action="append", metavar="KEY=VALUE", help="an environment variable (repeatable)")
    create.add_argument("--mount", action="append", metavar="VFOLDER", help="mount a virtual folder (repeatable)")
    create.add_argument("--group", help="the project (group) name")
    create.add_argument("--scaling-group", help="the resource group to schedule on")
    create.add_argument("--timeout", type=float, help="seconds to wait for the session to start (default 300)")
    create.set_defaults(handler=sessions.create)
    ls = command(session, "ls", "list your compute sessions")
    ls.add_argument("--all", action="store_true", help="also terminated and cancelled ones")
    ls.set_defaults(handler=sessions.ls)
    for name, handler, help in (
        ("info", sessions.info, "show a compute session"),
        ("logs", sessions.logs, "print a compute session's container logs"),
        ("rm", sessions.rm, "destroy a compute session"),
    ):
        sub = command(session, name, help)
        sub.add_argument("name", metavar="NAME", help="the session's name")
        sub.set_defaults(handler=handler)
    session.choices["rm"].add_argument("--forced", action="store_true", help="skip the graceful shutdown")
    events = command(session, "events", "follow session events until Ctrl-C")
    events.add_argument("name", metavar="NAME", nargs="?", help="only this session's events")
    events.set_defaults(handler=sessions.events)

    vfolder = command(commands, "vfolder", "virtual folders").add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=Parser
    )
    command(vfolder, "ls", "list the folders you can see").set_defaults(handler=vfolders.ls)
    vcreate = command(vfolder, "create", "create a folder")
    vcreate.add_argument("name", metavar="NAME")
    vcreate.add_argument("host", metavar="HOST", nargs="?", help="the storage host (default: the server's default)")
    vcreate.set_defaults(handler=vfolders.create)
    up = command(vfolder, "upload", "upload a local file into a folder")
    up.add_argument("name", metavar="NAME", help="the folder")
    up.add_argument("local", metavar="LOCAL", help="the local file")
    up.add_argument("--name", dest="remote", metavar="REMOTE", help="its path in the folder (default: its name)")
    up.set_defaults(handler=vfolders.upload)
    down = command(vfolder, "download", "download a file; run it again to resume an interrupted one")
    down.add_argument("name", metavar="NAME", help="the folder")
    down.add_argument("remote", metavar="REMOTE", help="the file's path in the folder")
    down.add_argument("local", metavar="LOCAL", help="the local file or directory")
    down.set_defaults(handler=vfolders.download)
    vrm = command(vfolder, "rm", "delete a folder (servers 24.03+ move it to the trash bin)")
    vrm.add_argument("name", metavar="NAME")
    vrm.set_defaults(handler=vfolders.rm)
    return parser
