"""config.yaml as declared models: the shipped file loads, and every bad key fails at start with one line
that names its full path (unknown keys, wrong types, out-of-range values, cross-field rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.cli import main
from server.config import Config, ConfigError, config_from_mapping, load_config, merge
from tests.support import REPO, base_config_mapping


def error_for(overrides: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as err:
        config_from_mapping(merge(base_config_mapping(), overrides))
    message = str(err.value)
    assert "\n" not in message
    return message


def test_shipped_config_yaml_loads_frozen() -> None:
    cfg = load_config(REPO / "config.yaml")
    assert cfg.base_dir == str(REPO) and cfg.server.port == 8080 and cfg.logging.level in ("DEBUG", "INFO")
    assert cfg.auth.password_cost.time_cost >= 1 and cfg.escalation.route("bugs") is not None
    with pytest.raises(ValueError, match="frozen"):
        cfg.server.port = 1  # type: ignore[misc]


@pytest.mark.parametrize("overrides,line", [
    # Unknown keys, at every depth.
    ({"sever": {}}, "config key 'sever': unknown setting"),
    ({"limits": {"history_maximum": 5}}, "config key 'limits.history_maximum': unknown setting"),
    ({"helpdesk": {"queues": {"general": {"team": ["x"]}}}}, "config key 'helpdesk.queues.general.team': unknown setting"),
    ({"alerts": {"chains": {"blocker": [{"after": "5m", "to": ["role:admin"], "cc": []}]}}},
     "config key 'alerts.chains.blocker[0].cc': unknown setting"),
    # Wrong types: YAML's "80" is not a number, `yes` is not text, a bool is not a count.
    ({"server": {"port": "80"}}, "config key 'server.port': expected a whole number, got '80'"),
    ({"limits": {"events_burst": True}}, "config key 'limits.events_burst': expected a whole number, got True"),
    ({"database": {"echo": "no"}}, "config key 'database.echo': expected true or false, got 'no'"),
    ({"server": {"cors_origins": "https://a.example"}}, "config key 'server.cors_origins': expected a list"),
    ({"helpdesk": {"wait": 5}}, "config key 'helpdesk.wait': expected a mapping, got 5"),
    ({"server": {"ping_interval": "soon"}},
     "config key 'server.ping_interval': expected a duration like 30d, 10m or 45s, got 'soon'"),
    # Out of range.
    ({"server": {"port": 70000}}, "config key 'server.port': must be at most 65535, got 70000"),
    ({"auth": {"argon2_memory_kib": 8}}, "config key 'auth.argon2_memory_kib': must be at least 64, got 8"),
    ({"limits": {"account_messages_per_second": 0}}, "config key 'limits.account_messages_per_second': must be above 0"),
    ({"logging": {"format": "xml"}}, "config key 'logging.format': expected one of 'text' or 'json', got 'xml'"),
    ({"roles": {"promotion": {"vouches_required": 1, "distinct_vouchers_required": 2}}},
     "config key 'roles.promotion.distinct_vouchers_required': cannot exceed vouches_required (1)"),
    ({"alerts": {"channels": [{"name": "pager", "type": "email", "to": ["oncall@example.org"]}]}},
     "config key 'alerts.smtp.host': an email channel needs an SMTP host"),
])
def test_bad_key_is_one_line_naming_its_path(overrides: dict[str, Any], line: str) -> None:
    assert error_for(overrides).startswith(line)


def test_base_dir_is_not_a_key_and_the_root_is_a_mapping() -> None:
    assert error_for({"base_dir": "/"}) == "config key 'base_dir': unknown setting"
    with pytest.raises(ConfigError, match="config key '<root>': expected a mapping, got list"):
        config_from_mapping([1])
    assert config_from_mapping(None) == Config()


def test_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("server:\n  port: 9999\n")
    monkeypatch.setenv("LIVEHELP_CONFIG", str(path))
    monkeypatch.setenv("LIVEHELP_DATABASE_URL", "postgresql+asyncpg://db.example/help")
    cfg = load_config()
    assert cfg.server.port == 9999 and cfg.database.url == "postgresql+asyncpg://db.example/help"
    assert cfg.base_dir == str(tmp_path) and cfg.database.batch_max == 256
    monkeypatch.setenv("LIVEHELP_DATABASE_URL", "help.db")
    with pytest.raises(ConfigError, match=r"^config key 'database.url': expected a URL like"):
        load_config()


def test_cli_reports_a_bad_config_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("helpdesk:\n  canned:\n    - shortcut: hi\n      txt: hello\n")
    assert main(["accounts", "roles", "alice_helper", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == "livehelp: config key 'helpdesk.canned[0].text': required\n"
