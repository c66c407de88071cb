"""livehelp accounts create | revoke-tokens (promotion lives with the roles area)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from server.actions import accounts
from server.commands.base import add_common, command_deps, config_from_args
from server.errors import Invalid


def register(sub: Any) -> Any:
    acc = sub.add_parser("accounts", help="manage staff and user accounts")
    acc_sub = acc.add_subparsers(dest="accounts_cmd", required=True)

    create = acc_sub.add_parser("create", help="create an account; the password is read from stdin (one line)")
    create.add_argument("username")
    create.add_argument("--role", action="append", default=[], dest="roles",
                        help="trainee, helper, monitor, admin or user (repeatable)")
    create.add_argument("--team", action="append", default=[], dest="teams", help="team from config (repeatable)")
    create.add_argument("--display-name", default=None)
    add_common(create)
    create.set_defaults(func=cmd_create)

    revoke = acc_sub.add_parser("revoke-tokens", help="log an account out everywhere")
    revoke.add_argument("username")
    add_common(revoke)
    revoke.set_defaults(func=cmd_revoke)
    return acc_sub


def cmd_create(args: argparse.Namespace) -> int:
    line = sys.stdin.readline()
    if not line:
        raise Invalid("no password on standard input")
    password = line.rstrip("\r\n")
    roles = args.roles or ["user"]
    config = config_from_args(args)

    async def run() -> dict[str, Any]:
        async with command_deps(config) as deps:
            return await accounts.create_account(deps, args.username, password, roles=roles, teams=args.teams,
                                                 display_name=args.display_name)

    print(json.dumps({"account": asyncio.run(run())}))
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    config = config_from_args(args)

    async def run() -> int:
        async with command_deps(config) as deps:
            return await accounts.revoke_all_tokens(deps, args.username)

    print(json.dumps({"revoked": asyncio.run(run())}))
    return 0
