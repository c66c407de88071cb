"""The escalation section of config.yaml: the shipped routes, and clear errors naming the key."""

from __future__ import annotations

from typing import Any

import pytest

from server.app import create_app
from server.config_base import ConfigError
from tests.support import make_config


def test_shipped_routes_model_practice() -> None:
    cfg = make_config("sqlite+aiosqlite:///:memory:").escalation
    assert [r.name for r in cfg.routes] == ["social", "mobile", "admissions", "bugs", "experts-frontend",
                                           "experts-backend", "experts-data"]
    bugs = cfg.route("bugs")
    assert bugs is not None and bugs.categories == ("IDE", "Chat", "UI", "Account", "Lights", "Other")
    blocker, high, medium, low = bugs.priorities
    assert blocker.page and len(blocker.checklist) == 5 and not high.page
    assert (high.target, medium.target, low.target) == (86400, 7 * 86400, None)
    admissions = cfg.route("admissions")
    assert admissions is not None and admissions.confirm_first
    assert cfg.on_call == ("team:on-call",)
    assert cfg.personal_escalation.notify == ("case", "on_duty:monitor", "role:admin")  # issue 12: the case's helper too


@pytest.mark.parametrize("overrides,key", [
    ({"routes": {"social": {"colour": "red"}}}, "escalation.routes.social.colour"),
    ({"routes": {"social": {"priorities": []}}}, "escalation.routes.social.priorities"),
    ({"routes": {"social": {"priorities": [{"name": "a"}, {"name": "a"}]}}}, "escalation.routes.social.priorities"),
    ({"routes": {"social": {"priorities": [{"name": "a", "target": "soon"}]}}},
     "escalation.routes.social.priorities[0].target"),
    ({"routes": {"social": {"priorities": [{"name": "a", "pages": True}]}}},
     "escalation.routes.social.priorities[0].pages"),
    ({"routes": {"social": {"room": "no spaces"}}}, "escalation.routes.social.room"),
    ({"routes": {"social": {"alert": ["everyone"]}}}, "escalation.routes.social.alert"),
    ({"routes": {"social": {"checklist": ["ok", " "]}}}, "escalation.routes.social.checklist"),
    ({"routes": {"Bad Name": {"team": "x", "priorities": [{"name": "a"}]}}}, "escalation.routes.Bad Name"),
    ({"routes": {"mobile": {"room": "#escalation-social"}}}, "escalation.routes"),
    ({"on_call": ["pager"]}, "escalation.on_call"),
    ({"personal_escalation": {"notify": ["role:"]}}, "escalation.personal_escalation.notify"),
    ({"personal_escalation": {"patterns": [""]}}, "escalation.personal_escalation.patterns"),
    ({"case_link": "/console"}, "escalation.case_link"),
    ({"pager_webhook": "ftp://pager"}, "escalation.pager_webhook"),
    ({"experts": {"teams": "experts:frontend"}}, "escalation.experts.teams"),
])
def test_bad_settings_name_the_key(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        make_config("sqlite+aiosqlite:///:memory:", {"escalation": overrides})
    assert f"'{key}'" in str(err.value)


def test_route_team_must_be_a_configured_team() -> None:
    cfg = make_config("sqlite+aiosqlite:///:memory:", {"escalation": {"routes": {"social": {"team": "socail"}}}})
    with pytest.raises(ConfigError, match="socail"):
        create_app(cfg)
