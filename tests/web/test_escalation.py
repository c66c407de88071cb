"""An escalation made from the console's dialog reaches the route's team room; the requester gets
the holding reply and never the note."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.helpers import doc_shot, pane_action

expect = pytest.importorskip("playwright.async_api").expect
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")

NOTE = "Account locked after a suspicious login, needs the security team"


async def first_route(server: LiveServer) -> dict[str, Any]:
    probe = await server.staff("probe_helper", ["helper"])
    answer = await probe.call("escalation.routes", {})
    await probe.close()
    if not answer.get("ok"):
        pytest.skip(f"escalation.routes is not available yet: {answer.get('error')}")
    routes = answer.get("routes") or []
    if not routes:
        pytest.skip("config.yaml defines no escalation routes")
    return routes[0]  # type: ignore[no-any-return]


async def test_escalation_from_dialog_reaches_team_room(pages: Any, server: LiveServer, shot: Any) -> None:
    route = await first_route(server)
    team = route["team"]
    teammate = await pages.staff("erin_escalation", ["helper"], teams=[team], on_duty=False)
    helper = await pages.staff("alice_helper", ["helper"])
    rita = await pages.requester("Rita", "Someone else logged into my account!")

    # The teammate opens the route's team room from the sidebar.
    entry = teammate.locator(f'#rooms li[data-room-id="{route["room_id"]}"] button')
    await entry.click()
    team_pane = teammate.locator(f'.pane-room[data-room-id="{route["room_id"]}"]')
    await expect(team_pane).to_be_visible()

    # The helper claims and escalates through the dialog.
    await helper.locator("#queue li").first.get_by_role("button", name="Claim").click()
    pane = helper.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()
    await pane_action(pane, "Escalate…")
    dialog = helper.locator("dialog[open]")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("Route").select_option(route["name"])
    priorities = route.get("priorities") or []
    if priorities:
        await dialog.get_by_label("Priority").select_option(priorities[0])
    await dialog.get_by_label(re.compile("^Note")).fill(NOTE)
    for item in route.get("checklist") or []:
        await dialog.get_by_label(item, exact=True).check()
    await doc_shot(shot, helper, "escalate-dialog")
    await dialog.get_by_role("button", name="Escalate").click()
    await expect(dialog).to_have_count(0)
    await expect(pane.locator(".chip-escalated")).to_be_visible()

    # The escalation history is one click away.
    await pane_action(pane, "Escalations")
    history = helper.locator("dialog[open]")
    await expect(history).to_contain_text(route["name"])
    await expect(history).to_contain_text(NOTE)
    assert not ISO.search(await history.inner_text()), "a raw ISO time in the escalation history"
    await history.get_by_role("button", name="Close").click()

    # The team room hears of it.
    case_id = await pane.get_attribute("data-case-id")
    await expect(team_pane.locator(".messages")).to_contain_text(re.compile(f"{re.escape(NOTE)}|#{case_id}\\b|case {case_id}\\b", re.I))
    # The card is a card: its facts laid out, the response target as "in 23 min", exact time on hover.
    card = team_pane.locator(".msg-card").first
    await expect(card).to_contain_text(f"Case #{case_id} escalated to")
    await expect(card).to_contain_text(NOTE)
    assert not ISO.search(await team_pane.locator(".messages").inner_text()), "a raw ISO time in the team room"
    for t in await card.locator("time.rel-time").all():
        assert await t.get_attribute("title")
    await doc_shot(shot, teammate, "escalation-team-room")

    # The requester is told it moved on, and never sees the note.
    await expect(rita.locator("#case-status")).to_contain_text("specialist team")
    await expect(rita.locator(".messages")).not_to_contain_text(NOTE)
    if route.get("holding_reply"):
        await expect(rita.locator(".messages")).to_contain_text(route["holding_reply"])

    # The team opens the case from the card and answers the requester there.
    await team_pane.get_by_role("button", name=f"Open case #{case_id}").click()
    case_pane = teammate.locator(f'.pane-case[data-case-id="{case_id}"]')
    await expect(case_pane.locator(".messages")).to_contain_text("Someone else logged into my account!")
    await case_pane.locator("textarea").fill("Security team here: we locked the account and will reset it.")
    await case_pane.locator("textarea").press("Enter")
    await expect(rita.locator(".messages")).to_contain_text("Security team here")
    assert not pages.errors, pages.errors


async def test_expert_asked_from_the_dialog_answers_in_the_case(pages: Any, server: LiveServer, shot: Any) -> None:
    probe = await server.staff("probe_helper", ["helper"])
    experts = (await probe.ok("escalation.routes", {})).get("experts") or []
    await probe.close()
    if not experts:
        pytest.skip("config.yaml names no expert teams")
    team = experts[0]
    expert = await pages.staff("xavi_expert", ["helper"], teams=[team], on_duty=False)
    helper = await pages.staff("alice_helper", ["helper"])
    rita = await pages.requester("Rita", "My build fails with a strange webpack error.")
    await helper.locator("#queue li").first.get_by_role("button", name="Claim").click()
    pane = helper.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()

    # Experts only, no escalation: the case stays with the helper.
    await pane_action(pane, "Escalate…")
    dialog = helper.locator("dialog[open]")
    await dialog.get_by_label("Expert team", exact=True).select_option(team)
    await dialog.get_by_role("button", name="Escalate").click()
    await expect(dialog).to_have_count(0)
    await expect(pane.locator(".case-details")).to_contain_text(f"{team} (requested)")
    await expect(pane.locator(".chip-active")).to_be_visible()

    # The expert is alerted and opens the case from the banner, then answers there.
    case_id = await pane.get_attribute("data-case-id")
    banner = expert.locator("#alerts .alert").filter(has_text="Expert needed")
    await expect(banner).to_be_visible()
    await banner.get_by_role("button", name=f"Open case #{case_id}").click()
    epane = expert.locator(f'.pane-case[data-case-id="{case_id}"]')
    await expect(epane.locator(".messages")).to_contain_text("strange webpack error")
    await epane.locator("textarea").fill("Expert here: delete node_modules/.cache and rebuild.")
    await epane.locator("textarea").press("Enter")
    await expect(rita.locator(".messages")).to_contain_text("Expert here")
    await expect(pane.locator(".case-details")).to_contain_text(f"{team} (responded)")
    await shot(helper, "expert-responded")
    assert not pages.errors, pages.errors
