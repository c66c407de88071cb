"""Property-based stateful test of who sees what (issue 13, standing invariant).

hypothesis plays random sequences of socket events from every role (requester, helper, trainee, room
monitor, admin, an outsider) against cases in every state it can reach (queued, active, on hold,
escalated, resolved, abandoned) on a real server over real sockets, and checks after every step:
- nobody receives what their role may not see: the requester never a whisper, note, summary, escalation,
  transfer or flag note, nor an alert; the outsider nothing of the case; a sensitive body only the
  requester, monitors, and staff who were assigned to the case (or its escalation team);
- a refused action changed nothing (the case object and its room's messages, before and after);
- the messages of every case room have seq 1..n with no gap;
- every acknowledgement has the envelope ({"ok": true, ...} or {"ok": false, "error": {code, message}}).

The server runs on its own event loop in a thread (hypothesis drives synchronous rules); each rule hands
its coroutine to that loop with run_coroutine_threadsafe. One server serves every example; each example
casts fresh accounts, so examples do not see each other's cases. Bounded for CI: derandomized (the same
sequences every run), a fixed number of examples and steps, no shrinking unless LIVEHELP_HYPOTHESIS_SHRINK=1.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from server.api.common import DEPS
from server.app import create_app
from server.clock import FakeClock
from tests.support import Client, LiveServer, make_config

T = TypeVar("T")
CODES = {"unauthenticated", "forbidden", "not_found", "invalid", "conflict", "rate_limited", "unavailable"}
ROLES = ("requester", "helper", "trainee", "monitor", "admin", "outsider")
ACTIONS = (
    "chat", "whisper", "note", "sensitive", "case.claim", "case.shadow", "case.unshadow", "case.supervise",
    "case.takeover", "case.handback", "case.hold", "case.resume", "case.resolve", "case.escalate",
    "case.transfer", "case.flag", "case.involve_expert", "case.confirm_handoff", "case.abandon", "case.get",
    "room.history", "room.join", "room.leave", "sync", "queue.list", "queue.position", "duty.set", "help.request",
)
STAFF_ONLY = {"whisper", "note", "case.resolve", "case.escalate", "case.transfer", "case.flag"}
_examples = itertools.count(1)
# What the run reached, checked at the end so the test cannot pass by doing nothing.
STATS: dict[str, set[Any]] = {"states": set(), "ok": set(), "refused": set()}
COUNTS = {"steps": 0, "refused": 0}
CODES_SEEN: dict[str, int] = {}


class Harness:
    """A real server and its clients on an event loop of their own, driven from hypothesis' thread."""

    def __init__(self, database_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="stateful-server", daemon=True)
        self.thread.start()
        self.database_url = database_url
        self.runner: web.AppRunner | None = None
        self.server: LiveServer | None = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def start(self) -> None:
        config = make_config(self.database_url, {
            "limits": {"events_per_second": 100_000, "events_burst": 100_000},
            "helpdesk": {"max_open_cases": 100},
        })
        app = create_app(config, clock=FakeClock())
        self.runner = web.AppRunner(app, shutdown_timeout=1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.server = LiveServer(url=f"http://127.0.0.1:{port}", deps=app[DEPS], clock=None,
                                 http=aiohttp.ClientSession())

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close_clients()
            await self.server.http.close()
        if self.runner is not None:
            await self.runner.cleanup()
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in rest:  # engine.io's ping tasks of closed sockets: end them before the loop closes
            t.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def close(self) -> None:
        try:
            self.run(self.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


def check_envelope(answer: Any, what: str) -> None:
    assert isinstance(answer, dict) and isinstance(answer.get("ok"), bool), (what, answer)
    if not answer["ok"]:
        err = answer.get("error")
        assert isinstance(err, dict) and err.get("code") in CODES and isinstance(err.get("message"), str), \
            (what, answer)
        assert "internal error" not in err["message"], (what, answer)


class CaseMachine(RuleBasedStateMachine):
    harness: Harness  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.n = next(_examples)
        self.marks = itertools.count(1)
        self.people: dict[str, Client] = self.harness.run(self._cast())
        self.ids = {role: int(c.account["id"]) for role, c in self.people.items()}  # type: ignore[attr-defined]
        self.cases: list[dict[str, int]] = []
        self.staff_secrets: set[str] = set()  # never to the requester (nor the outsider)
        self.case_secrets: set[str] = set()  # everything said in these cases: never to the outsider
        self.sensitive: dict[str, int] = {}  # sensitive body -> case id
        self.assigned_ever: dict[int, set[int]] = {}
        self.checked: dict[str, dict[str, int]] = {role: {} for role in self.people}
        self.harness.run(self._open_case())

    # --- setup -----------------------------------------------------------------------------------

    async def _cast(self) -> dict[str, Client]:
        s = self.harness.server
        assert s is not None
        tag = f"s{self.n}"
        people = {
            "requester": await s.requester(f"Rita{tag}"),
            "outsider": await s.requester(f"Otto{tag}"),
            "helper": await s.staff(f"alice_helper_{tag}", ["helper"], teams=["escalation-social"], on_duty=True),
            "trainee": await s.staff(f"bob_trainee_{tag}", ["trainee"], on_duty=True),
            "monitor": await s.staff(f"carol_monitor_{tag}", ["monitor"], on_duty=True),
            "admin": await s.staff(f"dave_admin_{tag}", ["admin"]),
            # Reads the truth for the checks (a monitor sees every case and room); never acts, never on duty.
            "auditor": await s.staff(f"eve_auditor_{tag}", ["monitor", "admin"]),
        }
        return people

    async def _open_case(self) -> None:
        body = self.mark("request")
        answer = await self.people["requester"].call("help.request", {"topic": "general", "body": body})
        check_envelope(answer, "help.request")
        if answer["ok"]:
            self.cases.append({"id": answer["case"]["id"], "room_id": answer["room"]["id"]})
            self.case_secrets.add(body)

    def mark(self, what: str) -> str:
        return f"{what}-{self.n}q{next(self.marks)}z"

    # --- the truth, read by the auditor ---------------------------------------------------------------

    async def _snapshot(self, case: dict[str, int]) -> tuple[Any, Any]:
        auditor = self.people["auditor"]
        got = await auditor.call("case.get", {"case_id": case["id"]})
        hist = await auditor.call("room.history", {"room_id": case["room_id"], "limit": 200})
        assert got["ok"] and hist["ok"], (got, hist)
        view = got["case"]
        STATS["states"].add(view["status"])
        assigned = {p["id"] for p in (view.get("helper"), view.get("trainee"), view.get("monitor")) if p}
        if view["status"] == "escalated":  # the route's team sees sensitive content too
            assigned.add(self.ids["helper"])
        self.assigned_ever.setdefault(case["id"], set()).update(assigned)
        messages = [(m["seq"], m["kind"], m["body"], m["sensitive"], m["purged"]) for m in hist["messages"]]
        return view, messages

    # --- the rules ---------------------------------------------------------------------------------

    @rule()
    def another_case(self) -> None:
        if len(self.cases) < 6:
            self.harness.run(self._open_case())

    def target(self, pick: int) -> dict[str, int] | None:
        """One of the three newest cases: closed cases make way for new ones as the run goes on."""
        recent = self.cases[-3:]
        return recent[pick % len(recent)] if recent else None

    @rule(goal=st.sampled_from(("active", "on_hold", "escalated", "resolved", "trainee", "shadow")),
          pick=st.integers(0, 2))
    def drive(self, goal: str, pick: int) -> None:
        """Walk a case towards a state by the legitimate steps, so random acts meet every state."""
        self.harness.run(self._drive(goal, self.target(pick)))

    async def _drive(self, goal: str, case: dict[str, int] | None) -> None:
        if case is None:
            return
        view, _ = await self._snapshot(case)
        steps: list[tuple[str, str]] = []
        if goal == "trainee":
            steps = [("trainee", "case.claim")] if view["status"] == "queued" else []
        elif goal == "shadow":
            steps = [("trainee", "case.shadow")]
        else:
            if view["status"] == "queued":
                steps.append(("helper", "case.claim"))
            steps.append({"active": ("helper", "case.resume"), "on_hold": ("helper", "case.hold"),
                          "escalated": ("helper", "case.escalate"), "resolved": ("helper", "case.resolve")}[goal])
        for who, action in steps:
            await self._act(who, action, case, False)

    @rule(kind=st.sampled_from(("chat", "whisper", "note", "sensitive")),
          who=st.sampled_from(("requester", "helper", "monitor", "trainee")), pick=st.integers(0, 2))
    def talk(self, kind: str, who: str, pick: int) -> None:
        """The people of a case speak often, so every kind of message meets every reader."""
        self.harness.run(self._act(who, kind, self.target(pick), False))

    @rule(who=st.sampled_from(ROLES), action=st.sampled_from(ACTIONS), pick=st.integers(0, 2), flag=st.booleans())
    def act(self, who: str, action: str, pick: int, flag: bool) -> None:
        self.harness.run(self._act(who, action, self.target(pick), flag))

    async def _act(self, who: str, action: str, case: dict[str, int] | None, flag: bool) -> None:
        if case is None:
            return
        client = self.people[who]
        event, payload = self.payload(action, case, flag)
        before = await self._snapshot(case)
        answer = await client.call(event, payload)
        client.events[f"ack {event}"].append(answer)  # acks are checked like events
        check_envelope(answer, f"{who} {event} {payload!r}")
        STATS["ok" if answer["ok"] else "refused"].add((who, action))
        COUNTS["steps"] += 1
        COUNTS["refused"] += not answer["ok"]
        if not answer["ok"]:
            CODES_SEEN[answer["error"]["code"]] = CODES_SEEN.get(answer["error"]["code"], 0) + 1
        if answer["ok"] and event == "help.request" and who == "requester":  # the outsider's own: not ours
            self.cases.append({"id": answer["case"]["id"], "room_id": answer["room"]["id"]})
        after = await self._snapshot(case)
        if not answer["ok"]:
            assert before == after, f"refused {who} {event} {payload!r} -> {answer['error']} changed the case:\n" \
                                    f"before {before!r}\nafter  {after!r}"

    def payload(self, action: str, case: dict[str, int], flag: bool) -> tuple[str, dict[str, Any]]:
        cid, rid = case["id"], case["room_id"]
        if action in ("chat", "whisper", "note", "sensitive"):
            body = self.mark(action)
            self.case_secrets.add(body)
            if action in STAFF_ONLY:
                self.staff_secrets.add(body)
            p: dict[str, Any] = {"room_id": rid, "body": body, "client_id": f"c{next(self.marks)}", "kind": action}
            if action == "sensitive":
                p.update(kind="chat", sensitive=True)
                self.sensitive[body] = cid
            return "message.send", p
        note = self.mark(action.split(".")[-1])
        if action in STAFF_ONLY:
            self.staff_secrets.add(note)
            self.case_secrets.add(note)
        payloads: dict[str, dict[str, Any]] = {
            "case.resolve": {"case_id": cid, "summary": note},
            "case.escalate": {"case_id": cid, "route": "social", "priority": "high", "note": note},
            "case.transfer": {"case_id": cid, "queue": "general", "note": note},
            "case.flag": {"case_id": cid, "kind": "personal_escalation", "note": note},
            "case.involve_expert": {"case_id": cid, "team": "experts:frontend"},
            "case.confirm_handoff": {"case_id": cid, "accept": flag},
            "room.history": {"room_id": rid, "limit": 200},
            "room.join": {"room_id": rid},
            "room.leave": {"room_id": rid},
            "sync": {"since": {str(rid): 0}},
            "queue.list": {},
            "duty.set": {"on_duty": flag},
            "help.request": {"topic": "general", "body": note},
        }
        return action, payloads.get(action, {"case_id": cid})

    # --- the invariants ----------------------------------------------------------------------------

    def new_events(self, role: str) -> list[tuple[str, Any]]:
        """Events (and acks) this role's client received since the last check."""
        client, seen, out = self.people[role], self.checked[role], []
        for name, items in list(client.events.items()):
            start = seen.get(name, 0)
            out.extend((name, item) for item in items[start:])
            seen[name] = len(items)
        return out

    async def _probe(self) -> None:
        """What the requester, the outsider and the trainee could read right now (answers checked below)."""
        if not self.cases:
            return
        since = {str(c["room_id"]): 0 for c in self.cases}
        for role in ("requester", "outsider", "trainee"):
            client = self.people[role]
            answer = await client.call("sync", {"since": since})  # every case room at once
            check_envelope(answer, f"{role} sync")
            client.events["ack sync"].append(answer)
        answer = await self.people["outsider"].call("case.get", {"case_id": self.cases[-1]["id"]})
        assert not answer["ok"] and answer["error"]["code"] == "not_found", answer

    @invariant()
    def nobody_sees_what_their_role_may_not(self) -> None:
        self.harness.run(self._probe())
        self.check_received()

    def check_received(self) -> None:
        room_ids = {c["room_id"] for c in self.cases}
        case_ids = {c["id"] for c in self.cases}
        for role in ROLES:
            for name, item in self.new_events(role):
                text = repr(item)
                self.sensitive_only_to_allowed(role, name, text)
                if role == "requester":
                    leaked = [s for s in self.staff_secrets if s in text]
                    assert not leaked, f"requester received staff-only {leaked} in {name}: {text[:500]}"
                    assert name != "alert", f"requester received an alert: {text[:500]}"
                    if name == "message":
                        assert item["kind"] in ("chat", "system"), f"requester got a {item['kind']}: {item}"
                    if name == "case.updated":
                        assert not item.get("summary") and not item.get("monitor"), item
                if role == "outsider":
                    leaked = [s for s in self.case_secrets if s in text]
                    assert not leaked, f"outsider received {leaked} in {name}: {text[:500]}"
                    if name == "message":
                        assert item["room_id"] not in room_ids, f"outsider got a case message: {item}"
                    if name in ("case.updated", "queue.alert"):
                        assert item.get("id") not in case_ids, f"outsider got {name}: {item}"
                    if name == "alert":
                        assert item.get("case_id") not in case_ids, f"outsider got an alert: {item}"

    def sensitive_only_to_allowed(self, role: str, name: str, text: str) -> None:
        if role in ("requester", "monitor"):
            return
        for body, cid in self.sensitive.items():
            if body in text:
                assert self.ids[role] in self.assigned_ever.get(cid, set()), \
                    f"{role} received sensitive {body} of case {cid} in {name}: {text[:500]}"

    @invariant()
    def seq_has_no_gaps(self) -> None:
        async def histories() -> list[list[int]]:
            out = []
            for case in self.cases:
                _, messages = await self._snapshot(case)
                out.append([m[0] for m in messages])
            return out

        for seqs in self.harness.run(histories()):
            assert seqs == list(range(1, len(seqs) + 1)), f"seq gaps: {seqs}"

    def teardown(self) -> None:
        async def settle_and_close() -> None:
            await asyncio.sleep(0.2)  # whatever was still in flight arrives, and is checked below
            await self._probe()
            self.check_received()
            for c in self.people.values():
                await c.close()
                s = self.harness.server
                if s is not None and c in s.clients:
                    s.clients.remove(c)

        self.harness.run(settle_and_close())


def test_roles_and_states_under_random_event_sequences(database_url: str) -> None:
    harness = Harness(database_url)
    try:
        harness.run(harness.start())
        CaseMachine.harness = harness
        shrink = os.environ.get("LIVEHELP_HYPOTHESIS_SHRINK") == "1"
        run_state_machine_as_test(CaseMachine, settings=settings(
            max_examples=int(os.environ.get("LIVEHELP_STATEFUL_EXAMPLES", "15")), stateful_step_count=25,
            deadline=None, derandomize=True, database=None, print_blob=False,
            phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if shrink else [])],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ))
    finally:
        harness.close()
    print(f"stateful: {COUNTS['steps']} events sent, {COUNTS['refused']} refused; states {sorted(STATS['states'])}; "
          f"(role, action) pairs answered ok {len(STATS['ok'])}, refused {len(STATS['refused'])}; codes {CODES_SEEN}")
    assert {"queued", "active", "on_hold", "escalated", "resolved"} <= STATS["states"], STATS["states"]
    assert {who for who, _ in STATS["refused"]} == set(ROLES), "every role had refusals checked"
    assert COUNTS["steps"] >= 200 and COUNTS["refused"] >= 50, COUNTS
    assert len(STATS["ok"]) >= 20 and len(STATS["refused"]) >= 40, (len(STATS["ok"]), len(STATS["refused"]))
