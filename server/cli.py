"""The `livehelp` command: serve, accounts, retention ... Every failure: non-zero exit, one line on stderr."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from server.commands import accounts as cmd_accounts
from server.commands import retention as cmd_retention
from server.commands import roles as cmd_roles
from server.commands.base import add_common, config_from_args
from server.config import ConfigError
from server.errors import DomainError


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web  # why: `livehelp --help` and shell commands skip the web server

    from server.app import create_app  # why: `livehelp --help` and shell commands skip the web server
    from server.logs import setup_logging  # why: only `serve` configures logging this way

    config = config_from_args(args)
    setup_logging(config.logging)
    host = args.host or config.server.host
    port = args.port if args.port is not None else config.server.port
    try:
        import uvloop  # why: optional speed-up, only when installed

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    app = create_app(config)
    app.on_startup.append(_tune_gc)
    logging.getLogger("livehelp").info("listening", extra={"host": host, "port": port})
    web.run_app(app, host=host, port=port, shutdown_timeout=config.server.shutdown_timeout,
                access_log=None, print=None, handle_signals=True)
    return 0


async def _tune_gc(_app: object) -> None:
    """Start-up objects never die: freeze them out of the collector, and collect young objects less
    often (the collector cost 20-40 % of throughput with thousands of sockets on this stack)."""
    import gc  # why: tuning happens only for `serve`

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livehelp", description="live help chat server")
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="serve the API, Socket.IO and the web client")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    add_common(serve)
    serve.set_defaults(func=cmd_serve)
    parsers = {"accounts": cmd_accounts.register(sub)}
    cmd_roles.register(sub, parsers)
    cmd_retention.register(sub, parsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ConfigError, DomainError) as exc:
        print(f"livehelp: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, not a traceback, for operators
        print(f"livehelp: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
