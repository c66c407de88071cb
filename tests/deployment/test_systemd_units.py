"""The shipped systemd units run a command our CLI accepts, with the environment the docs describe."""

from __future__ import annotations

import configparser
import shlex

from server.cli import build_parser
from tests.support import REPO

UNITS = REPO / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def test_the_instance_unit_serves_on_its_port() -> None:
    service = unit("livehelp@.service")["Service"]
    argv = shlex.split(service["ExecStart"].replace("%i", "8081"))
    assert argv[0].endswith("/.venv/bin/livehelp")
    args = build_parser().parse_args(argv[1:])
    assert args.cmd == "serve" and args.port == 8081 and args.host == "127.0.0.1"
    assert service["KillSignal"] == "SIGTERM" and service["Restart"] == "always"
    assert "LIVEHELP_CONFIG=" in service["Environment"] and service["EnvironmentFile"] == "/etc/livehelp/env"


def test_the_target_starts_the_instances_nginx_points_at() -> None:
    wants = unit("livehelp.target")["Unit"]["Wants"].split()
    ports = [w.removeprefix("livehelp@").removesuffix(".service") for w in wants]
    site = (REPO / "deploy" / "nginx" / "livehelp.conf").read_text()
    assert ports and all(f"server 127.0.0.1:{p} " in site for p in ports)
