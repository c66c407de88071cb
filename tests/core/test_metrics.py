"""/metrics: off by default, guarded by network or token, and its figures move with a real case."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.config import ConfigError
from tests.support import LiveServer, make_config

ON = {"metrics": {"enabled": True}}
TOKEN = "scrape-token-0123456789"


def parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as (name, sorted labels) -> value."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def scrape(server: LiveServer, token: str | None = None) -> tuple[int, Any]:
    return await server.get("/metrics", token=token)


async def test_off_unless_enabled(server: LiveServer) -> None:
    status, body = await scrape(server)
    assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize("config_overrides", [ON])
async def test_a_case_moves_the_figures(server: LiveServer) -> None:
    status, text = await scrape(server)
    assert status == 200, text
    before = parse(text)
    assert before[("livehelp_queue_length", (("queue", "general"),))] == 0
    assert before[("livehelp_cases", (("state", "queued"),))] == 0
    assert before[("livehelp_messages_total", ())] == 0

    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "My reset mail never arrives"})
    assert server.clock is not None
    server.clock.advance(minutes=3)
    queued = parse((await scrape(server))[1])
    assert queued[("livehelp_queue_length", (("queue", "general"),))] == 1
    assert queued[("livehelp_queue_oldest_wait_seconds", (("queue", "general"),))] == pytest.approx(180, abs=1)
    assert queued[("livehelp_cases", (("state", "queued"),))] == 1
    assert queued[("livehelp_connected_sockets", (("role", "helper"),))] == 1
    assert queued[("livehelp_connected_sockets", (("role", "requester"),))] == 1

    await alice.ok("case.claim", {"case_id": ack["case"]["id"]})
    await alice.ok("message.send", {"room_id": ack["room"]["id"], "body": "Hi Rita", "client_id": "m1"})
    after = parse((await scrape(server))[1])
    assert after[("livehelp_queue_length", (("queue", "general"),))] == 0
    assert after[("livehelp_queue_oldest_wait_seconds", (("queue", "general"),))] == 0
    assert after[("livehelp_cases", (("state", "active"),))] == 1
    # Counted where people's messages are committed (message.send through the group-commit writer).
    assert after[("livehelp_messages_total", ())] == 1
    assert after[("livehelp_writer_batch_size_count", ())] >= 1
    assert after[("livehelp_event_ack_seconds_count", (("event", "message.send"),))] == 1
    assert after[("livehelp_event_ack_seconds_count", (("event", "case.claim"),))] == 1
    assert after[("livehelp_first_responses_total", (("within_goal", "true"),))] == 1
    assert after[("livehelp_first_responses_total", (("within_goal", "false"),))] == 0
    assert after[("livehelp_alerts_unacknowledged", ())] >= 0
    assert after[("livehelp_outbox_deliveries", (("status", "failed"),))] == 0

    await rita.ok("message.send", {"room_id": ack["room"]["id"], "body": "Thanks!", "client_id": "r1"})
    await rita.ok("message.send", {"room_id": ack["room"]["id"], "body": "Thanks!", "client_id": "r1"})  # a resend
    again = parse((await scrape(server))[1])
    assert again[("livehelp_messages_total", ())] == 2
    assert again[("livehelp_event_ack_seconds_count", (("event", "message.send"),))] == 3


@pytest.mark.parametrize("config_overrides", [ON])
async def test_a_late_first_response_counts_outside_the_goal(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "Anyone there?"})
    assert server.clock is not None and server.deps is not None
    server.clock.advance(seconds=server.deps.config.helpdesk.sla.first_response_goal + 60)
    await alice.ok("case.claim", {"case_id": ack["case"]["id"]})
    await alice.ok("message.send", {"room_id": ack["room"]["id"], "body": "Sorry for the wait", "client_id": "m1"})
    figures = parse((await scrape(server))[1])
    assert figures[("livehelp_first_responses_total", (("within_goal", "false"),))] == 1
    assert figures[("livehelp_first_responses_total", (("within_goal", "true"),))] == 0


async def test_unknown_event_names_share_one_label(start_server: Any, database_url: str) -> None:
    server = await start_server(make_config(database_url, ON))
    rita = await server.requester("Rita")
    for name in ("no.such.event", "another.made.up.one"):
        assert await rita.error(name) == "invalid"
    figures = parse((await scrape(server))[1])
    assert figures[("livehelp_event_ack_seconds_count", (("event", "unknown"),))] == 2
    assert not [k for k in figures if dict(k[1]).get("event") in ("no.such.event", "another.made.up.one")]


async def test_only_allowed_networks_or_the_token(start_server: Any, database_url: str) -> None:
    server = await start_server(make_config(database_url, {"metrics": {
        "enabled": True, "allow_from": ["10.0.0.0/8"], "bearer_token": TOKEN}}))
    status, body = await scrape(server)
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await scrape(server, token="wrong-token-0123456789")
    assert status == 403
    status, text = await scrape(server, token=TOKEN)
    assert status == 200 and "livehelp_queue_length" in text


def test_config_errors_name_the_key(database_url: str) -> None:
    with pytest.raises(ConfigError, match=r"metrics\.allow_from.*not-a-network"):
        make_config(database_url, {"metrics": {"allow_from": ["not-a-network"]}})
    with pytest.raises(ConfigError, match=r"metrics\.bearer_token"):
        make_config(database_url, {"metrics": {"bearer_token": "short"}})
    with pytest.raises(ConfigError, match=r"metrics\.scrape_everything"):
        make_config(database_url, {"metrics": {"scrape_everything": True}})


@pytest.mark.parametrize("config_overrides", [ON])
async def test_the_shipped_grafana_dashboard_uses_only_exported_names(server: LiveServer) -> None:
    import json
    import re
    from pathlib import Path

    rita = await server.requester("Rita")
    await rita.error("no.such.event")  # one event, so the labelled latency histogram has samples
    dashboard = json.loads((Path(__file__).parents[2] / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"livehelp_[a-z_]+", e)}
    exported = {name for name, _ in parse((await scrape(server))[1])}
    assert used and used <= exported, sorted(used - exported)


@pytest.mark.parametrize("config_overrides", [ON])
async def test_which_messages_take_the_direct_path(server: LiveServer) -> None:
    """A plain or case room's batch is written on the writer's own connection ("direct"; a case room's with
    its case facts read there and the batch hooks in the same transaction) on SQLite and PostgreSQL; a resend
    is answered from the session, and a sensitive message sealed there. Fails if either database loses its
    direct path, or if those that need the session stop taking it."""
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_helper", ["helper"], on_duty=True)
    room = (await alice.ok("room.create", {"name": "#ops"}))["room"]
    await bob.ok("room.join", {"room_id": room["id"]})

    def batches(sample: dict[tuple[str, tuple[tuple[str, str], ...]], float], path: str) -> float:
        return sample[("livehelp_writer_batches_total", (("path", path),))]

    before = parse((await scrape(server))[1])
    assert batches(before, "direct") == 0 and batches(before, "session") == 0
    sent = await alice.ok("message.send", {"room_id": room["id"], "body": "deploy at 5", "client_id": "p1"})
    again = await alice.ok("message.send", {"room_id": room["id"], "body": "deploy at 5", "client_id": "p1"})
    assert again["message"]["id"] == sent["message"]["id"]  # the resend answers the stored message
    plain = parse((await scrape(server))[1])
    assert batches(plain, "direct") == 1
    assert batches(plain, "session") == 1  # the resend: found on the session path, nothing written twice
    assert plain[("livehelp_messages_total", ())] == 1

    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "My reset mail never arrives"})
    await alice.ok("case.claim", {"case_id": ack["case"]["id"]})
    await alice.ok("message.send", {"room_id": ack["room"]["id"], "body": "Hi Rita", "client_id": "c1"})
    case = parse((await scrape(server))[1])
    assert (batches(case, "direct"), batches(case, "session")) == (2, 1)
    assert case[("livehelp_messages_total", ())] == 2
    await rita.ok("message.send", {"room_id": ack["room"]["id"], "body": "my card is 4111 1111 1111 1111",
                                   "client_id": "s1", "sensitive": True})
    sealed = parse((await scrape(server))[1])
    assert (batches(sealed, "direct"), batches(sealed, "session")) == (2, 2)
    assert sealed[("livehelp_messages_total", ())] == 3
