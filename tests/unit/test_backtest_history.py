"""Backtest without a plan: the shapes history comes in, the readers, the comparison and the paging condition."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from genesys_audit_tools import backtest
from genesys_audit_tools.rules import Rule, RulesError

DT = "v2.audits.entitytype.{id}.entityid.{id}"


def _event(audit_id: str, entity_type: str, action: str, time: str = "2025-06-10T10:00:00Z", **body) -> dict:
    return {
        "id": f"eb-{audit_id}",
        "detail-type": DT,
        "source": "aws.partner/genesys.com/cloud/org/audit",
        "time": time,
        "detail": {"eventBody": {"id": audit_id, "entityType": entity_type, "action": action, **body}},
    }


def _rule(key: str, pattern: dict, severity: str | None = "CRITICAL") -> Rule:
    return Rule(key, f"aws_cloudwatch_event_rule.{key}", key, severity, key, pattern, "bus", None)


DELETE = _rule("oauth-delete", {"detail": {"eventBody": {"entityType": ["OAuthClient"], "action": ["Delete"]}}})


def test_every_stored_shape_unwraps_to_the_event():
    event = _event("a1", "OAuthClient", "Delete")
    shapes = [
        event,
        json.dumps(event),
        {"time": 1, "sourcetype": "genesys:cloud:audit", "event": event},  # Firehose -> HEC
        {"rule": "oauth-delete", "severity": "CRITICAL", "event": event},  # alert payload
        {"_raw": json.dumps(event), "_time": "1718000000"},  # Splunk export row
        {"preview": False, "result": {"_raw": json.dumps(event)}},  # Splunk export JSON
        {"timestamp": 1, "message": json.dumps(event)},  # CloudWatch Logs export
    ]
    assert all(backtest.normalize(shape) == event for shape in shapes)
    for junk in ("not json", 42, None, [], {"event": "no"}, {"detail": {}}, {"_raw": "{broken"}):
        assert backtest.normalize(junk) is None


def test_files_jsonl_gzip_arrays_and_pretty_json(tmp_path: Path):
    events = [_event(f"a{i}", "OAuthClient", "Delete") for i in range(4)]
    (tmp_path / "lines.jsonl").write_text("\n".join(json.dumps(e) for e in events[:2]) + "\n\n")
    (tmp_path / "zipped.jsonl.gz").write_bytes(gzip.compress(json.dumps(events[2]).encode()))
    (tmp_path / "pretty.json").write_text(json.dumps(events[3], indent=2))
    (tmp_path / "array.json").write_text(json.dumps(events[:2]))
    (tmp_path / "expectations.json").write_text("{}")  # the rules test's, not history
    (tmp_path / "notes.txt").write_text("ignored")
    items = [backtest.normalize(i) for i in backtest.read_files(tmp_path)]
    assert sorted(i["id"] for i in items) == sorted(["eb-a0", "eb-a1", "eb-a0", "eb-a1", "eb-a2", "eb-a3"])
    garbage_first = tmp_path / "garbage.jsonl"
    garbage_first.write_text("oops\n" + json.dumps(events[0]) + "\n")
    assert [backtest.normalize(i) for i in backtest.read_files(garbage_first)] == [None, events[0]]


def test_a_corrupt_gzip_file_is_refused_naming_it(tmp_path: Path):
    broken = tmp_path / "broken.jsonl.gz"
    whole = gzip.compress("".join(json.dumps({"n": i}) + "\n" for i in range(2000)).encode())
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(RulesError, match=r"broken.jsonl.gz: cannot read it"):
        list(backtest.read_files(broken))


def test_matches_per_day_duplicates_period_and_samples():
    history = [
        _event("a1", "OAuthClient", "Delete", "2025-06-10T10:00:00Z", userId="u-1"),
        _event("a2", "OAuthClient", "Delete", "2025-06-10T11:00:00Z", clientId={"id": "c-9"}),
        _event("a3", "OAuthClient", "Delete", "2025-06-12T09:00:00Z"),
        _event("a1", "OAuthClient", "Delete", "2025-06-10T10:00:00Z"),  # delivered twice
        _event("a4", "OAuthClient", "Delete", "2025-07-01T00:00:00Z"),  # after --until
        _event("a5", "Role", "Delete", "2025-06-11T00:00:00Z"),
        "garbage",
    ]
    result = backtest.run(
        [DELETE],
        history,
        samples=2,
        since=datetime(2025, 6, 1, tzinfo=UTC),
        until=datetime(2025, 7, 1, tzinfo=UTC),
    )
    rule = result.rule("oauth-delete")
    assert (result.audits, result.duplicates, result.unreadable) == (4, 1, 1)
    assert (result.first, result.last, result.days) == ("2025-06-10T10:00:00Z", "2025-06-12T09:00:00Z", 3)
    assert rule.matches == 3 and dict(rule.per_day) == {"2025-06-10": 2, "2025-06-12": 1}
    assert [(s.id, s.actor) for s in rule.samples] == [("a1", "user u-1"), ("a2", "client c-9")]
    assert result.failures(pages_per_day=2) == []
    assert result.failures(pages_per_day=1) == [
        "CRITICAL rule oauth-delete would have paged more than 1 times a day on 1 day(s) (up to 2, first 2025-06-10)"
    ]
    assert result.failures(pages_per_day=1, severities=["HIGH"]) == []


def test_against_a_base_rules_are_added_removed_changed_with_what_they_gain_and_lose():
    widened = _rule("oauth-delete", {"detail": {"eventBody": {"entityType": ["OAuthClient"], "action": ["Update"]}}})
    role = _rule("role", {"detail": {"eventBody": {"entityType": ["Role"]}}}, "HIGH")
    gone = _rule("gone", {"detail": {"eventBody": {"entityType": ["Queue"]}}}, "HIGH")
    history = [
        _event("d1", "OAuthClient", "Delete"),
        _event("u1", "OAuthClient", "Update", propertyChanges=[{"property": "secret", "newValues": ["hunter2"]}]),
        _event("r1", "Role", "Delete"),
        _event("q1", "Queue", "Update"),
    ]
    result = backtest.run([widened, role], history, base_rules=[DELETE, gone])
    assert [(r.key, r.status, r.matches) for r in result.rules] == [
        ("oauth-delete", "changed", 1),
        ("role", "added", 1),
        ("gone", "removed", 1),
    ]
    changed = result.rule("oauth-delete")
    assert (changed.newly_matched, changed.no_longer_matched) == (1, 1)
    assert [s.id for s in changed.newly_samples] == ["u1"] and [s.id for s in changed.no_longer_samples] == ["d1"]
    markdown, text, data = result.to_markdown(), result.to_text(), json.loads(result.to_json())
    assert "**Rule changes:** 1 added (`role`), 1 removed (`gone`), 1 changed (`oauth-delete`)." in markdown
    assert "secret: changed (value redacted)" in markdown and "hunter2" not in markdown + text + json.dumps(data)
    assert data["rules"][0]["newly_matched"]["count"] == 1 and data["rules"][0]["no_longer_matched"]["count"] == 1
    assert "[changed]" in text and "now matches 1 it did not; no longer matches 1" in text


def test_times_are_iso_or_relative():
    now = datetime(2025, 7, 1, 12, tzinfo=UTC)
    assert backtest.parse_time("30d", now) == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert backtest.parse_time("12h", now) == datetime(2025, 7, 1, tzinfo=UTC)
    assert backtest.parse_time("2025-06-01") == datetime(2025, 6, 1, tzinfo=UTC)
    assert backtest.parse_time("2025-06-01T10:00:00+02:00").hour == 10
    with pytest.raises(RulesError, match="not a time"):
        backtest.parse_time("yesterday")
