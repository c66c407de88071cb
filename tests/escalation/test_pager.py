"""Blocker pages also go to the pager webhook (escalation.pager_webhook), after commit, in the background."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.escalation.helpers import BLOCKER_CHECKLIST, claimed_case, escalate_payload
from tests.support import make_config


async def test_blocker_page_is_posted_to_the_pager_webhook(aiohttp_server: Any, start_server: Any,
                                                           database_url: str) -> None:
    pages: list[dict[str, Any]] = []
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        pages.append(await request.json())
        arrived.set()
        return web.json_response({"ok": True})

    pager_app = web.Application()
    pager_app.router.add_post("/page", receive)
    pager = await aiohttp_server(pager_app)
    cfg = make_config(database_url, {"helpdesk": {"jobs_interval": 0}, "escalation": {
        "sla_check_interval": 0, "pager_webhook": str(pager.make_url("/page"))}})
    server = await start_server(cfg)
    alice = await server.staff("alice_helper", ["helper"])
    _, case = await claimed_case(server, alice)
    await alice.ok("case.escalate", escalate_payload(case["id"], route="bugs", priority="high", category="UI"))
    _, blocked = await claimed_case(server, alice, name="Quinn")
    await alice.ok("case.escalate", escalate_payload(blocked["id"], route="bugs", priority="blocker", category="UI",
                                                     checklist=BLOCKER_CHECKLIST, note="Nobody can log in"))
    await asyncio.wait_for(arrived.wait(), 5)
    await asyncio.sleep(0.2)
    assert len(pages) == 1, "only the blocker pages"
    assert pages[0]["kind"] == "blocker" and pages[0]["case_id"] == blocked["id"]
    assert pages[0]["note"] == "Nobody can log in" and pages[0]["case_link"].endswith(f"#case={blocked['id']}")
