"""The help desk flow's core: request, queue, claim, hold, resume, resolve (socket) and the cases REST query."""

from __future__ import annotations

from typing import Annotated

from server.schemas.base import Id, Payload, Query, TextRule
from server.schemas.chat import Body


class CaseRef(Payload):
    """Every event that names one case and nothing else."""

    case_id: Id


class HelpRequest(Payload):
    topic: Annotated[str, TextRule(64, one_line=True, blank=True)] | None = None
    body: Body
    # optional: "" is the same as none (the server then names the first message itself)
    client_id: Annotated[str, TextRule(200, one_line=True, blank=True, limit="client_id_max_chars")] | None = None


class CaseResolve(Payload):
    case_id: Id
    summary: Annotated[str, TextRule(4000, blank=True)] | None = None


class CasesQuery(Query):
    """GET /api/cases?status=queued,active"""

    status: Annotated[str, TextRule(200, one_line=True, blank=True)] | None = None

