"""The retention job: run_once(deps, now) purges what is due as of `now`; the server runs it on a schedule.

Only one process runs it at a time: it takes a lease row (conditional UPDATE: free, expired, or already
ours) and renews it between batches, so a crashed holder's lease lapses after retention.schedule.lease.
Each case commits on its own, in batches of due cases found by keyset paging, so a crash midway loses
at most the case in flight and the next run resumes where this one stopped. A dry run takes no lease and
changes nothing.

After a run that purged something, SQLite's WAL is checkpointed with TRUNCATE (old page images in the
-wal file could otherwise still hold ciphertext or wrapped keys), and on PostgreSQL the small key table is
vacuumed so the dead tuples of destroyed keys go at once (see docs/retention.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from retention.keys import Keyring
from retention.purge import JOB, Actor, CaseReport, cutoffs, due_cases, purge_audit_detail, purge_case
from server.clock import iso
from server.deps import Deps
from server.storage import leases

log = logging.getLogger("livehelp.retention.job")
LEASE_NAME = "purge"


def keyring_of(deps: Deps) -> Keyring:
    sealer = deps.sealer
    if not isinstance(sealer, Keyring):
        raise RuntimeError("the retention keyring is not wired (deps.sealer is not a Keyring)")
    return sealer


@dataclass
class RunResult:
    as_of: dt.datetime
    dry_run: bool
    cases: list[CaseReport] = field(default_factory=list)
    audit_detail: int = 0
    errors: int = 0
    skipped: str | None = None
    holder: str | None = None

    def total(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "total": True,
            "as_of": iso(self.as_of),
            "dry_run": self.dry_run,
            "cases": len(self.cases),
            "sensitive_messages": sum(c.sensitive_messages for c in self.cases),
            "uploads": sum(c.uploads for c in self.cases),
            "guest_transcripts": sum(c.guest_transcripts for c in self.cases),
            "keys_destroyed": sum(1 for c in self.cases if c.key_destroyed),
            "audit_detail": self.audit_detail,
            "errors": self.errors,
        }
        if self.skipped:
            out["skipped"] = self.skipped
        return out


class Lease(leases.Lease):
    """The purge's lease (held for a whole run, renewed between cases)."""

    def __init__(self, deps: Deps, ttl: float, name: str = LEASE_NAME) -> None:
        super().__init__(deps.db, deps.clock, deps.server_id, name, ttl)


async def run_once(deps: Deps, now: dt.datetime, *, dry_run: bool = False, actor: Actor = JOB,
                   max_cases: int | None = None, on_case: Callable[[CaseReport], None] | None = None) -> RunResult:
    """Purge (or, dry, count) everything due as of `now`. Tests call this directly with the FakeClock."""
    keyring = keyring_of(deps)
    await keyring.open(deps.db)
    cfg = deps.config.retention
    cut = cutoffs(cfg.periods, now)
    result = RunResult(as_of=now, dry_run=dry_run)
    purgers = list(deps.case_purgers)
    lease: Lease | None = None
    if not dry_run:
        lease = Lease(deps, cfg.schedule.lease)
        if not await lease.acquire():
            holder, until = await lease.current()
            result.skipped = "another process is running the retention job"
            result.holder = holder
            log.info("retention run skipped: lease held", extra={"holder": holder, "until": iso(until)})
            return result
    try:
        after, attempted, stop = 0, 0, False
        while not stop:
            async with deps.db.read() as s:
                ids = await due_cases(s, cut, after, cfg.schedule.batch_size)
            if not ids:
                break
            for case_id in ids:
                after = case_id
                report = await _one_case(deps, keyring, case_id, cut, now, dry_run, actor, purgers, result)
                if report is not None and report.changed:
                    result.cases.append(report)
                    if on_case is not None:
                        on_case(report)
                attempted += 1
                if max_cases is not None and attempted >= max_cases:
                    stop = True
                    break
            if lease is not None and not await lease.renew():
                log.warning("retention lease lost mid-run; stopping (the next run resumes)")
                break
        if not stop:
            if dry_run:
                async with deps.db.read() as s:
                    result.audit_detail = await purge_audit_detail(s, cut, deps.clock.now(), True)
            else:
                async with deps.db.transaction() as s:
                    result.audit_detail = await purge_audit_detail(s, cut, deps.clock.now(), False)
    finally:
        if lease is not None:
            await lease.release()
    if not dry_run and (result.cases or result.audit_detail):
        await compact(deps)
    total = result.total()
    log.info("retention run", extra={k: v for k, v in total.items() if k != "total"})
    return result


async def _one_case(deps: Deps, keyring: Keyring, case_id: int, cut: Any, now: dt.datetime, dry_run: bool,
                    actor: Actor, purgers: list[Any], result: RunResult) -> CaseReport | None:
    try:
        if dry_run:
            async with deps.db.read() as s:
                return await purge_case(s, keyring, case_id, cut, deps.clock.now(), dry_run=True, actor=actor,
                                        purgers=purgers, as_of=now)
        async with deps.db.transaction() as s:
            return await purge_case(s, keyring, case_id, cut, deps.clock.now(), dry_run=False, actor=actor,
                                    purgers=purgers, as_of=now)
    except Exception as exc:  # one bad case must not stop the others; no traceback (it could quote values)
        result.errors += 1
        log.error("purging a case failed; it is retried on the next run",
                  extra={"case_id": case_id, "error": type(exc).__name__})
        return None


async def compact(deps: Deps) -> None:
    """Make freed bytes go from the files now, not at the next checkpoint or autovacuum."""
    try:
        if deps.db.dialect == "sqlite":
            async with deps.db.engine.connect() as conn:
                row = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).first()
                await conn.rollback()
            if row is not None and row[0]:
                log.warning("WAL checkpoint was blocked by a reader; old pages leave the -wal file at the next one")
        elif deps.db.dialect == "postgresql":
            async with deps.db.engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("VACUUM retention_case_keys")
    except Exception as exc:
        log.warning("compaction after purge failed", extra={"error": type(exc).__name__})
