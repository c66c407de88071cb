"""Shell commands owned by the roles feature area:

  livehelp accounts promote USERNAME --to helper [--force] [--reason TEXT]
  livehelp accounts roles USERNAME [--grant ROLE ...] [--revoke ROLE ...] [--reason TEXT]
  livehelp accounts trainees [--eligible]

The shell acts as an admin; the audit log names it "cli:<os user>". A refusal (not eligible, unknown
account, last admin) exits non-zero with one line on stderr (server/cli.py prints DomainError messages).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from server.actions import promotion, role_admin
from server.commands.base import add_common, command_deps, config_from_args


def register(sub: Any, parsers: dict[str, Any]) -> None:
    """Add subcommands; parsers holds existing groups by name (e.g. parsers["accounts"])."""
    acc = parsers["accounts"]

    promote = acc.add_parser("promote", help="promote a trainee to helper (refused while not eligible, unless --force)")
    promote.add_argument("username")
    promote.add_argument("--to", default="helper", choices=["helper"], help="the role to promote to (helper)")
    promote.add_argument("--force", action="store_true", help="promote even without the vouches config asks for")
    promote.add_argument("--reason", default=None, help="why (written to the audit log)")
    add_common(promote)
    promote.set_defaults(func=cmd_promote)

    roles = acc.add_parser("roles", help="grant or revoke roles (audited)")
    roles.add_argument("username")
    roles.add_argument("--grant", action="append", default=[], help="role to grant (repeatable)")
    roles.add_argument("--revoke", action="append", default=[], help="role to revoke (repeatable)")
    roles.add_argument("--reason", default=None, help="why (written to the audit log)")
    add_common(roles)
    roles.set_defaults(func=cmd_roles)

    trainees = acc.add_parser("trainees", help="list trainees with their record, as JSON lines")
    trainees.add_argument("--eligible", action="store_true", help="only those eligible for promotion")
    add_common(trainees)
    trainees.set_defaults(func=cmd_trainees)


def cmd_promote(args: argparse.Namespace) -> int:

    config = config_from_args(args)

    async def run() -> dict[str, Any]:
        async with command_deps(config) as deps:
            answer, _ = await promotion.promote(deps, None, username=args.username, to=args.to, reason=args.reason,
                                                force=args.force, via="cli")
            return answer

    print(json.dumps(asyncio.run(run())))
    return 0


def cmd_roles(args: argparse.Namespace) -> int:

    config = config_from_args(args)

    async def run() -> dict[str, Any]:
        async with command_deps(config) as deps:
            answer, _ = await role_admin.change_roles(deps, None, None, username=args.username, grant=args.grant,
                                                      revoke=args.revoke, reason=args.reason, via="cli")
            return answer

    print(json.dumps(asyncio.run(run())))
    return 0


def cmd_trainees(args: argparse.Namespace) -> int:

    config = config_from_args(args)

    async def run() -> list[dict[str, Any]]:
        async with command_deps(config) as deps:
            return await promotion.list_trainees(deps, None, eligible_only=args.eligible)

    for row in asyncio.run(run()):
        print(json.dumps(row))
    return 0
