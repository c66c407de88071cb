"""The helpdesk config section (clear errors naming the key) and migration 0002 (up and down)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect

from server.config import ConfigError, config_from_mapping
from tests.support import base_config_mapping


def helpdesk(section: dict[str, Any]) -> Any:
    raw = base_config_mapping()
    raw["helpdesk"] = section
    return config_from_mapping(raw).helpdesk


def test_defaults_from_config_yaml() -> None:
    cfg = config_from_mapping(base_config_mapping()).helpdesk
    assert cfg.max_open_cases == 3 and cfg.sla.first_response_goal == 3600 and cfg.sla.first_response_warning == 600
    assert cfg.auto_close.after == 3600 and cfg.auto_close.notice == 600 and cfg.abandon_after_disconnect == 120
    assert cfg.wait.sample_size == 20 and cfg.wait.default_per_place == 180
    assert {c.shortcut for c in cfg.canned} >= {"hello", "looking", "bye"}
    assert cfg.queue_for_topic("anything") == "general" and cfg.default_topic == "general"


def test_topics_with_labels_route_to_queues() -> None:
    cfg = helpdesk({"queues": {"general": {}, "billing": {"teams": ["billing"]}},
                    "topics": {"general": "general", "invoices": {"queue": "billing", "label": "Invoices"}}})
    assert cfg.queue_for_topic("invoices") == "billing" and cfg.queue_teams("billing") == ("billing",)
    assert [(t.name, t.label) for t in cfg.topic_list()] == [("general", "general"), ("invoices", "Invoices")]


@pytest.mark.parametrize("section,key", [
    ({"max_open_cases": 0}, "helpdesk.max_open_cases"),
    ({"sla": {"first_response_warning": "2h"}}, "helpdesk.sla.first_response_warning"),
    ({"sla": {"first_response_goal": "soon"}}, "helpdesk.sla.first_response_goal"),
    ({"auto_close": {"after": "10m", "notice": "10m"}}, "helpdesk.auto_close.notice"),
    ({"wait": {"sample_sise": 3}}, "helpdesk.wait.sample_sise"),
    ({"topics": {"billing": "nowhere"}}, "helpdesk.topics.billing"),
    ({"topics": {"billing": {"queue": "general", "lable": "x"}}}, "helpdesk.topics.billing.lable"),
    ({"canned": [{"shortcut": "has space", "text": "x"}]}, "helpdesk.canned[0].shortcut"),
    ({"canned": [{"shortcut": "a", "text": "x"}, {"shortcut": "a", "text": "y"}]}, "helpdesk.canned[1].shortcut"),
    ({"canned": [{"shortcut": "a"}]}, "helpdesk.canned[0].text"),
    ({"off_hours_message": " "}, "helpdesk.off_hours_message"),
    ({"jobs_every": "1m"}, "helpdesk.jobs_every"),
])
def test_bad_settings_name_the_key(section: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        helpdesk(section)
    assert f"'{key}'" in str(err.value)


def test_migration_0002_up_and_down_on_sqlite(tmp_path: Path) -> None:
    from alembic import command

    from server.storage.db import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    with engine.begin() as conn:
        cfg = alembic_config(conn)
        command.upgrade(cfg, "0002_helpdesk")
        names = set(inspect(conn).get_table_names())
        assert {"shifts", "canned_responses", "helpdesk_flags"} <= names
        cols = {c["name"] for c in inspect(conn).get_columns("cases")}
        assert {"queue_position", "off_hours", "requester_left_at", "autoclose_warned_at"} <= cols
        command.downgrade(cfg, "0001_core")
        assert not {"shifts", "canned_responses", "helpdesk_flags"} & set(inspect(conn).get_table_names())
        assert "queue_position" not in {c["name"] for c in inspect(conn).get_columns("cases")}
        command.upgrade(cfg, "0002_helpdesk")
    engine.dispose()
