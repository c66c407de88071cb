"""Shell commands owned by the retention area:

  livehelp retention run [--as-of ISO-8601] [--dry-run]   purge what is due; JSON line per case + a total
  livehelp retention erase --requester ID_OR_USERNAME      right to erasure, now
  livehelp keys generate                                    print a new master key (base64)
  livehelp keys check                                       does the configured key open this database?
  livehelp keys rotate --new-key-file PATH                  re-wrap every data key under a new master key
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from retention.erasure import case_line, erase_requester
from retention.job import keyring_of, run_once
from retention.keys import decode_key, generate_key, key_id, replace_key_file
from retention.purge import CLI
from server.clock import parse_iso
from server.commands.base import add_common, command_deps, config_from_args
from server.errors import Conflict, Invalid


def register(sub: Any, parsers: dict[str, Any]) -> None:
    """Add subcommands; parsers holds existing groups by name (e.g. parsers["accounts"])."""
    ret = sub.add_parser("retention", help="purge sensitive data that is due; erase a requester's data")
    ret_sub = ret.add_subparsers(dest="retention_cmd", required=True)

    run = ret_sub.add_parser("run", help="purge what is due as of a moment (default: now)")
    run.add_argument("--as-of", default=None, help="ISO-8601 instant, e.g. 2026-03-01T00:00:00Z")
    run.add_argument("--dry-run", action="store_true", help="report what would be purged; change nothing")
    add_common(run)
    run.set_defaults(func=cmd_run)

    erase = ret_sub.add_parser("erase", help="erase one requester's data now (right to erasure)")
    erase.add_argument("--requester", required=True, help="account id or username")
    add_common(erase)
    erase.set_defaults(func=cmd_erase)
    parsers["retention"] = ret_sub

    keys = sub.add_parser("keys", help="the master key for sensitive data")
    keys_sub = keys.add_subparsers(dest="keys_cmd", required=True)
    gen = keys_sub.add_parser("generate", help="print a new random master key (base64); store it safely")
    gen.set_defaults(func=cmd_keys_generate)
    check = keys_sub.add_parser("check", help="check that the configured master key opens this database")
    add_common(check)
    check.set_defaults(func=cmd_keys_check)
    rotate = keys_sub.add_parser(
        "rotate", help="re-wrap every data key under a new master key (stop every server first)",
        description="Re-wraps every live data key and the key check under the key in --new-key-file, in one "
                    "transaction. Stop every server process first. With the auto-created key file beside an "
                    "SQLite database, that file is replaced by the new key; otherwise configure the new key "
                    "($LIVEHELP_MASTER_KEY or retention.master_key_file) before the next start.")
    rotate.add_argument("--new-key-file", required=True, help="file holding the new key (from `livehelp keys generate`)")
    add_common(rotate)
    rotate.set_defaults(func=cmd_keys_rotate)
    parsers["keys"] = keys_sub


def _print(line: dict[str, Any]) -> None:
    print(json.dumps(line), flush=True)


def cmd_run(args: argparse.Namespace) -> int:

    config = config_from_args(args)
    as_of = None
    if args.as_of:
        try:
            as_of = parse_iso(args.as_of)
        except ValueError:
            raise Invalid(f"--as-of: expected an ISO-8601 instant like 2026-03-01T00:00:00Z, got {args.as_of!r}") from None

    async def run() -> int:
        async with command_deps(config) as deps:
            keyring_of(deps).clock = deps.clock
            now = as_of or deps.clock.now()
            result = await run_once(deps, now, dry_run=args.dry_run, actor=CLI,
                                    on_case=lambda r: _print(r.line(args.dry_run)))
            if result.skipped:
                raise Conflict(f"{result.skipped} (lease holder {result.holder}); try again later")
            _print(result.total())
            if result.errors:
                print(f"livehelp: {result.errors} case(s) could not be purged; see the log, then run again",
                      file=sys.stderr)
                return 1
            return 0

    return asyncio.run(run())


def cmd_erase(args: argparse.Namespace) -> int:

    config = config_from_args(args)

    async def run() -> None:
        async with command_deps(config) as deps:

            keyring_of(deps).clock = deps.clock
            result = await erase_requester(deps, args.requester, CLI, on_case=lambda r: _print(case_line(r)))
            _print(result.total())

    asyncio.run(run())
    return 0


def cmd_keys_generate(args: argparse.Namespace) -> int:

    print(generate_key())
    return 0


def cmd_keys_check(args: argparse.Namespace) -> int:

    config = config_from_args(args)

    async def run() -> dict[str, Any]:
        async with command_deps(config) as deps:
            keyring = keyring_of(deps)
            await keyring.open(deps.db)
            return {"ok": True, "key_id": keyring.key_id, "source": keyring.plan.source}

    _print(asyncio.run(run()))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    path = Path(args.new_key_file)
    if not path.is_file():
        raise Invalid(f"--new-key-file: {path} does not exist (make one with `livehelp keys generate > FILE`)")
    new_key = decode_key(path.read_text(encoding="ascii", errors="replace"), str(path))

    async def run() -> dict[str, Any]:
        async with command_deps(config) as deps:
            keyring = keyring_of(deps)
            keyring.clock = deps.clock
            await keyring.open(deps.db)
            old_id = keyring.key_id
            async with deps.db.transaction() as s:
                count = await keyring.rotate(s, new_key)
            line: dict[str, Any] = {"ok": True, "old_key_id": old_id, "new_key_id": key_id(new_key),
                                    "rewrapped_data_keys": count}
            plan = keyring.plan
            if plan.source == "auto-file" and plan.path is not None:
                replace_key_file(plan.path, new_key)
                line["key_file"] = str(plan.path)
                line["next"] = "the key file now holds the new key: back it up now"
            else:
                line["next"] = ("configure the new key ($LIVEHELP_MASTER_KEY or retention.master_key_file) on "
                                "every host before starting the servers")
            return line

    _print(asyncio.run(run()))
    return 0
