"""Pure rules: pattern detection (with Luhn), content sniffing against declared types, the config section,
the data-key envelope, and the policy's retention section."""

from __future__ import annotations

from typing import Any

import pytest

from retention.detect import luhn_ok, sensitive_matches
from retention.sniff import UploadRefused, check_upload, normalize_type, sniff
from roles import policy
from roles.facts import Actor, CaseFacts, RoomFacts
from server.config import ConfigError
from server.config_base import validate
from server.config_sections.retention import RetentionConfig, parse_size

PATTERNS = RetentionConfig().patterns
ALLOWED = RetentionConfig().uploads.types


@pytest.mark.parametrize("digits,ok", [("4111111111111111", True), ("4111111111111112", False),
                                       ("378282246310005", True), ("12345678", False), ("4x11", False)])
def test_luhn(digits: str, ok: bool) -> None:
    assert luhn_ok(digits) is ok


@pytest.mark.parametrize("text,found", [
    ("reach me at a.b+c@mail.example.co.uk", ["email"]),
    ("card 5555-5555-5555-4444 please", ["card_number"]),
    ("card 5555-5555-5555-4445 please", []),
    ("TRADE#123456 and trd-7654321", ["trade_id"]),
    ("AKIAIOSFODNN7EXAMPLE", ["api_key"]),
    ("ghp_" + "a" * 36, ["api_key"]),
    ("Password = s3cr3t-stuff", ["credential"]),
    ("my password is long", []),
    ("see you at 10:30 on 2026-01-05, ticket 4411", []),
    ("mail x@y.io card 4111 1111 1111 1111", ["email", "card_number"]),
])
def test_patterns(text: str, found: list[str]) -> None:
    assert sensitive_matches(text, PATTERNS) == found


@pytest.mark.parametrize("data,ctype", [
    (b"\x89PNG\r\n\x1a\n....", "image/png"), (b"\xff\xd8\xff\xe0", "image/jpeg"), (b"GIF89a..", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (b"%PDF-1.4", "application/pdf"),
    (b"PK\x03\x04", "application/zip"), (b"\x1f\x8b\x08\x00", "application/gzip"),
    ("journal: démarré ✓\n\tok\x1b[0m\n".encode(), "text/plain"),
    ("log line\n".encode("utf-16"), "text/plain"),
    (b"\x00\x01\x02\x03binary", None), (bytes(range(128, 256)), None),
])
def test_sniff(data: bytes, ctype: str | None) -> None:
    assert sniff(data) == ctype


def test_check_upload_rules() -> None:
    assert normalize_type("Image/JPG; charset=binary") == "image/jpeg"
    assert normalize_type("application/octet-stream") is None
    assert check_upload("text/plain; charset=utf-8", b"hello\n", ALLOWED) == "text/plain"
    assert check_upload(None, b"%PDF-1.7 ...", ALLOWED) == "application/pdf"
    with pytest.raises(UploadRefused, match="application/json are not accepted"):
        check_upload("application/json", b"{}", ALLOWED)
    assert check_upload("application/json", b"{}", ALLOWED + ("application/json",)) == "application/json"
    with pytest.raises(UploadRefused, match="says it is image/gif but its contents look like image/png"):
        check_upload("image/gif", b"\x89PNG\r\n\x1a\n", ALLOWED)


def test_config_section_errors() -> None:
    def parse(raw: object) -> RetentionConfig:
        return validate(RetentionConfig, raw, "retention")

    assert parse({}).periods.sensitive_messages == 30 * 86400
    assert parse({"periods": {"uploads": "7d"}}).periods.uploads == 7 * 86400
    assert parse({"uploads": {"max_size": "2MiB"}}).uploads.max_size == 2 * 1024 * 1024
    assert parse_size(512) == 512
    for raw, fragment in [
        ({"periodz": {}}, "'retention.periodz': unknown setting"),
        ({"periods": {"sensitive": "30d"}}, "'retention.periods.sensitive': unknown setting"),
        ({"periods": {"uploads": "soon"}}, "'retention.periods.uploads': expected a duration"),
        ({"uploads": {"max_size": "lots"}}, "'retention.uploads.max_size': expected a size"),
        ({"uploads": {"types": ["text/html"]}}, "'retention.uploads.types[0]': 'text/html' cannot be recognised"),
        ({"auto_sensitive": {"patterns": [{"name": "x", "regex": "("}]}}, "not a valid regular expression"),
        ({"auto_sensitive": {"patterns": [{"name": "x", "regex": "a*"}]}}, "matches the empty text"),
        ({"auto_sensitive": {"patterns": [{"name": "Bad Name", "regex": "a"}]}}, "patterns[0].name"),
        ({"auto_sensitive": {"patterns": [{"name": "x", "regex": "a", "luhnn": True}]}},
         "'retention.auto_sensitive.patterns[0].luhnn': unknown setting"),
        ({"schedule": {"lease": "1s"}}, "'retention.schedule.lease': must be at least 10s"),
    ]:
        with pytest.raises(ConfigError, match=None) as info:
            parse(raw)
        assert fragment in str(info.value), (raw, str(info.value))


CASE = CaseFacts(id=1, status="active", requester_id=10, helper_id=20, trainee_id=None, monitor_id=None)
REQUESTER = Actor(10)
HELPER = Actor(20, frozenset({"helper"}))
OTHER_HELPER = Actor(21, frozenset({"helper"}))
TRAINEE = Actor(30, frozenset({"trainee"}))
MONITOR = Actor(40, frozenset({"monitor"}))
ADMIN = Actor(50, frozenset({"admin"}))


@pytest.mark.parametrize("actor,membership,mark,upload,download_sensitive", [
    (REQUESTER, "requester", False, True, True),
    (HELPER, "staff", True, True, True),
    (OTHER_HELPER, "shadow", False, False, False),
    (TRAINEE, "shadow", False, False, False),
    (MONITOR, None, True, False, True),
    (MONITOR, "monitor", True, True, True),
])
def test_policy_matrix(actor: Actor, membership: str | None, mark: bool, upload: bool,
                       download_sensitive: bool) -> None:
    room = RoomFacts(id=5, kind="case", membership=membership, case=CASE)
    assert bool(policy.can_mark_sensitive(actor, CASE)) is mark
    assert bool(policy.can_upload_attachment(actor, room)) is upload
    assert bool(policy.can_download_attachment(actor, room, True)) is download_sensitive
    assert bool(policy.can_download_attachment(actor, room, False)) is bool(policy.can_read_room(actor, room))


def test_policy_admin_only() -> None:
    assert policy.can_erase_requester(ADMIN) and not policy.can_erase_requester(MONITOR)
    assert policy.can_read_retention_audit(ADMIN) and not policy.can_read_retention_audit(HELPER)
    assert not policy.can_upload_attachment(HELPER, RoomFacts(id=6, kind="team", membership="member"))
    assert not policy.can_mark_sensitive(HELPER, None)


def test_config_yaml_lists_the_built_in_defaults() -> None:
    from server.config import load_config
    from tests.support import REPO

    shipped = load_config(REPO / "config.yaml").retention
    built_in = RetentionConfig()
    assert [(p.name, p.regex.pattern, p.regex.flags, p.luhn) for p in shipped.patterns] == \
        [(p.name, p.regex.pattern, p.regex.flags, p.luhn) for p in built_in.patterns]
    assert shipped.periods == built_in.periods and shipped.schedule == built_in.schedule
    assert shipped.uploads == built_in.uploads and shipped.master_key_file == ""


def test_refuse_sensitive_text_for_other_areas() -> None:
    from types import SimpleNamespace

    from server.actions.sensitive import refuse_sensitive_text
    from server.errors import Invalid

    deps: Any = SimpleNamespace(config=SimpleNamespace(retention=RetentionConfig()))
    refuse_sensitive_text(deps, "customer cannot log in", "the escalation note")
    refuse_sensitive_text(deps, None, "the escalation note")
    with pytest.raises(Invalid) as info:
        refuse_sensitive_text(deps, "card 4111 1111 1111 1111", "the escalation note", field="note")
    assert info.value.message.startswith("the escalation note looks like it contains a card number")
    assert "4111" not in info.value.message and info.value.details == {"field": "note"}
