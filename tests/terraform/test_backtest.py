"""`genesys-audit rules backtest` on examples/complete's rules: a moto trail log group, S3 objects and a
JSONL file, each filled with the fixture corpus plus generated audits; counts checked against the per-rule
engine run independently over the same audits."""

from __future__ import annotations

import copy
import gzip
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from genesys_audit import eventpattern
from genesys_audit_tools import backtest, cli
from genesys_audit_tools.rules import rules_from_plan

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "events"
GENERATED = 3000
DAYS = 10
TRAIL = "/genesys-audit/trail"
SECRET = "s3cr3t-value-that-must-not-leak"


@pytest.fixture(scope="module")
def plan_file(tf_plan, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "complete.json"
    path.write_text(json.dumps(tf_plan(REPO / "examples" / "complete").raw))
    return path


@pytest.fixture(scope="module")
def history() -> list[dict[str, Any]]:
    """The fixture corpus and GENERATED varied audits over the last DAYS days, oldest first."""
    corpus = [json.loads(p.read_text()) for p in sorted(FIXTURES.glob("[0-9]*.json"))]
    rng = random.Random(16)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=DAYS)
    events = []
    for i in range(len(corpus) + GENERATED):
        event = copy.deepcopy(corpus[i] if i < len(corpus) else rng.choice(corpus))
        moment = start + timedelta(seconds=i * DAYS * 86_000 // (len(corpus) + GENERATED))
        event["time"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        body = (event.get("detail") or {}).get("eventBody")
        if i >= len(corpus) and isinstance(body, dict):
            body["id"] = f"generated-{i:05d}"
            body["eventTime"] = event["time"]
            if rng.random() < 0.3:
                body["action"] = rng.choice(["Update", "Delete", "View", "MemberAdd"])
            if rng.random() < 0.2:
                body["userId"] = "9f9f9f9f-0000-4000-8000-00000000e0e0"  # excluded in examples/complete
        if isinstance(body, dict) and body.get("entityType") == "OAuthClient" and body.get("action") == "Update":
            body["propertyChanges"] = [{"property": "secret", "oldValues": [SECRET], "newValues": [SECRET + "2"]}]
        events.append(event)
    return events


def _millis(event: dict[str, Any]) -> int:
    return int(datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp() * 1000)


def oracle(rules, events) -> list[set[str]]:
    """The per-rule engine, rule by rule: the keys each event matches."""
    compiled = [(r.key, eventpattern.compile(r.event_pattern)) for r in rules]
    return [{key for key, pattern in compiled if pattern.matches(event)} for event in events]


def expected_counts(rules, events) -> Counter[str]:
    counts: Counter[str] = Counter({r.key: 0 for r in rules})
    for keys in oracle(rules, events):
        counts.update(keys)
    return counts


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(["rules", "backtest", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def aws(monkeypatch):
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        yield


def _fill_trail(events: list[dict[str, Any]]) -> None:
    import boto3

    logs = boto3.client("logs", region_name="eu-central-1")
    logs.create_log_group(logGroupName=TRAIL)
    for stream in ("a", "b"):
        logs.create_log_stream(logGroupName=TRAIL, logStreamName=stream)
    for stream, part in (("a", events[0::2]), ("b", events[1::2])):
        for start in range(0, len(part), 1000):
            batch = part[start : start + 1000]
            rejected = logs.put_log_events(
                logGroupName=TRAIL,
                logStreamName=stream,
                logEvents=[{"timestamp": _millis(e), "message": json.dumps(e)} for e in batch],
            ).get("rejectedLogEventsInfo")
            assert not rejected, rejected


def test_the_trail_log_group_backtest_matches_the_per_rule_engine(plan_file, history, aws, capsys):
    _fill_trail(history)
    rules = rules_from_plan(json.loads(plan_file.read_text()))
    code, out, err = _run(
        ["--plan", str(plan_file), "--log-group", TRAIL, "--since", f"{DAYS + 1}d", "--format", "json"], capsys
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["audits"] == len(history)
    got = {r["key"]: r["matches"] for r in report["rules"]}
    assert got == {r.key: expected_counts(rules, history)[r.key] for r in rules}
    assert got["oauth-client-delete"] > 20 and got["all-audits"] > GENERATED // 2
    per_day = Counter(
        e["time"][:10] for e, keys in zip(history, oracle(rules, history), strict=True) if "recording-delete" in keys
    )
    assert report["rules"][[r["key"] for r in report["rules"]].index("recording-delete")]["per_day"] == dict(
        sorted(per_day.items())
    )
    assert "log group /genesys-audit/trail: page 1" in err  # progress on stderr
    sample = next(r for r in report["rules"] if r["key"] == "oauth-client-create-update")["samples"][0]
    assert sample["id"] and sample["actor"] and sample["entity"].startswith("OAuthClient")
    assert SECRET not in out and "secret: changed (value redacted)" in out


def test_the_log_group_is_read_page_by_page_within_the_period(history, aws):
    import boto3

    _fill_trail(history)
    logs = boto3.client("logs", region_name="eu-central-1")
    pages: list[str] = []
    since = datetime.fromisoformat(history[100]["time"].replace("Z", "+00:00"))
    until = datetime.fromisoformat(history[1100]["time"].replace("Z", "+00:00"))
    read = list(backtest.read_log_group(logs, TRAIL, since, until, progress=pages.append, page_size=300))
    assert len(read) == 1000  # [since, until): event 100 in, event 1100 out
    assert len(pages) == 4 and pages[-1].endswith("1,000 events read")


def test_s3_objects_in_every_stored_shape_give_the_same_answer(plan_file, history, aws, capsys, tmp_path):
    import boto3

    s3 = boto3.client("s3", region_name="eu-central-1")
    s3.create_bucket(Bucket="archive", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    third = len(history) // 3
    hec = "\n".join(json.dumps({"time": 0, "sourcetype": "genesys:cloud:audit", "event": e}) for e in history[:third])
    splunk = "\n".join(json.dumps({"result": {"_raw": json.dumps(e)}}) for e in history[third : 2 * third])
    plain = "\n".join(json.dumps(e) for e in history[2 * third :])
    s3.put_object(Bucket="archive", Key="audits/2025/hec.jsonl.gz", Body=gzip.compress(hec.encode()))
    s3.put_object(Bucket="archive", Key="audits/2025/splunk.jsonl", Body=splunk.encode())
    s3.put_object(Bucket="archive", Key="audits/2025/events.json.gz", Body=gzip.compress(plain.encode()))
    s3.put_object(Bucket="archive", Key="other/ignored.jsonl", Body=b"{}")
    code, out, err = _run(["--plan", str(plan_file), "--s3", "s3://archive/audits/", "--format", "json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    rules = rules_from_plan(json.loads(plan_file.read_text()))
    assert report["audits"] == len(history) and report["unreadable"] == 0
    assert {r["key"]: r["matches"] for r in report["rules"]} == dict(expected_counts(rules, history))


def _edited(plan: dict[str, Any]) -> dict[str, Any]:
    """examples/complete with oauth-client-delete widened to updates, webhook-change removed, one rule added."""
    plan = copy.deepcopy(plan)
    module = next(
        m
        for m in plan["planned_values"]["root_module"]["child_modules"]
        if any(r["type"] == "aws_cloudwatch_event_rule" for r in _walk(m))
    )
    resources = [r for r in _walk(module) if r["type"] == "aws_cloudwatch_event_rule"]
    by_key = {(r["values"].get("tags") or {}).get("genesys-audit:rule"): r for r in resources}
    widened = json.loads(by_key["oauth-client-delete"]["values"]["event_pattern"])
    widened["detail"]["eventBody"]["action"] = ["Delete", "Update"]
    by_key["oauth-client-delete"]["values"]["event_pattern"] = json.dumps(widened)
    by_key["webhook-change"]["values"]["tags"]["genesys-audit:rule"] = "webhook-change-v2"
    return plan


def _walk(module: dict[str, Any]) -> list[dict[str, Any]]:
    return list(module.get("resources", [])) + [r for m in module.get("child_modules", []) for r in _walk(m)]


def test_a_jsonl_file_against_a_base_shows_what_each_changed_rule_gains_and_loses(plan_file, history, capsys, tmp_path):
    events = tmp_path / "history.jsonl.gz"
    lines = [json.dumps(e) for e in history] + ["not json", json.dumps(history[0])]  # one unreadable, one duplicate
    events.write_bytes(gzip.compress("\n".join(lines).encode()))
    head = tmp_path / "head.json"
    head.write_text(json.dumps(_edited(json.loads(plan_file.read_text()))))
    code, out, err = _run(
        ["--plan", str(head), "--base-plan", str(plan_file), "--events", str(events), "--format", "json"], capsys
    )
    assert code == 0, err
    report = json.loads(out)
    assert (report["unreadable"], report["duplicates"], report["audits"]) == (1, 1, len(history))
    status = {r["key"]: r["status"] for r in report["rules"]}
    assert status["oauth-client-delete"] == "changed"
    assert status["webhook-change-v2"] == "added" and status["webhook-change"] == "removed"
    assert status["role-change"] == "unchanged"
    base_rules = rules_from_plan(json.loads(plan_file.read_text()))
    head_rules = rules_from_plan(json.loads(head.read_text()))
    before = eventpattern.compile(next(r for r in base_rules if r.key == "oauth-client-delete").event_pattern)
    after = eventpattern.compile(next(r for r in head_rules if r.key == "oauth-client-delete").event_pattern)
    gained = [e for e in history if after.matches(e) and not before.matches(e)]
    changed = next(r for r in report["rules"] if r["key"] == "oauth-client-delete")
    assert changed["newly_matched"]["count"] == len(gained) > 0
    assert changed["no_longer_matched"]["count"] == 0
    assert {s["action"] for s in changed["newly_matched"]["samples"]} == {"Update"}
    removed = next(r for r in report["rules"] if r["key"] == "webhook-change")
    assert removed["matches"] == expected_counts(base_rules, history)["webhook-change"] > 0

    code, markdown, err = _run(
        [
            "--plan", str(head), "--base-plan", str(plan_file), "--events", str(events),
            "--format", "markdown", "--fail-if-pages-per-day", "2",
        ],
        capsys,
    )  # fmt: skip
    assert code == 1
    assert "**Rule changes:** 1 added (`webhook-change-v2`), 1 removed (`webhook-change`), 1 changed" in markdown
    assert "#### `oauth-client-delete` changed: now matches" in markdown
    assert "CRITICAL rule oauth-client-delete would have paged more than 2 times a day" in err
    assert SECRET not in markdown


def test_bad_input_is_refused_with_what_to_do(plan_file, capsys, tmp_path, aws):
    code, _, err = _run(["--plan", str(plan_file)], capsys)
    assert code == 2 and "give the history: --log-group NAME, --events FILE_OR_DIR or --s3" in err
    code, _, err = _run(["--plan", str(plan_file), "--events", str(tmp_path), "--since", "last tuesday"], capsys)
    assert code == 2 and "'last tuesday' is not a time: give an ISO date or time" in err
    code, _, err = _run(["--plan", str(plan_file), "--events", str(tmp_path / "missing.jsonl")], capsys)
    assert code == 2 and "no such file or directory" in err
    code, _, err = _run(["--plan", str(plan_file), "--log-group", "/nope"], capsys)
    assert code == 2 and "--log-group /nope: no such log group" in err
