"""`genesys-audit rules test|lint` over a synthetic plan: reading rules, expectations, formats, traps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genesys_audit_tools import cli, rules

DT = "v2.audits.entitytype.{id}.entityid.{id}"


def _rule(address: str, *, index=None, pattern=None, tags=None, bus="genesys-bus", description=None, region=None):
    name = address.rsplit(".", 1)[-1]
    item = {
        "address": address + (f'["{index}"]' if index else ""),
        "mode": "managed",
        "type": "aws_cloudwatch_event_rule",
        "name": name,
        "values": {
            "name": f"{name}-{index}" if index else name,
            "event_bus_name": bus,
            "event_pattern": None if pattern is None else json.dumps(pattern),
            "tags": tags,
            "description": description,
            "region": region,
        },
    }
    if index:
        item["index"] = index
    return item


OAUTH = {"detail-type": [DT], "detail": {"eventBody": {"entityType": ["OAuthClient"], "action": ["Delete"]}}}
TRAIL = {"detail-type": [DT], "detail": {"eventBody": {"entityType": [{"anything-but": ["UserPresence"]}]}}}


def _plan(*resources, child=None):
    root = {"resources": list(resources)}
    if child:
        root["child_modules"] = [{"address": "module.rules", "resources": child}]
    return {"planned_values": {"root_module": root}}


def _event(entity_type: str, action: str, audit_id: str, **body):
    return {
        "id": f"eb-{audit_id}",
        "source": "aws.partner/genesys.com/cloud/org/suffix",
        "detail-type": DT,
        "detail": {"eventBody": {"id": audit_id, "entityType": entity_type, "action": action, **body}},
    }


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    plan = _plan(
        child=[
            _rule(
                "module.rules.aws_cloudwatch_event_rule.this",
                index="oauth_client_delete",
                pattern=OAUTH,
                tags={rules.TAG_KEY: "oauth_client_delete", rules.TAG_SEVERITY: "CRITICAL"},
                description="OAuth client deleted",
            ),
            _rule("module.rules.aws_cloudwatch_event_rule.trail", pattern=TRAIL),
        ]
    )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    events = tmp_path / "events"
    events.mkdir()
    (events / "oauth_delete.json").write_text(json.dumps(_event("OAuthClient", "Delete", "a-1")))
    (events / "presence.json").write_text(json.dumps(_event("UserPresence", "Update", "a-2")))
    (events / "both.json").write_text(json.dumps([_event("Role", "Delete", "a-3"), {"detail": {}}]))
    (events / "expectations.json").write_text(
        json.dumps(
            {
                "events": {
                    "oauth_delete.json": {"match": ["oauth_client_delete", "trail"], "exactly": True},
                    "presence.json": {"no_match": ["trail", "oauth_client_delete"]},
                    "a-3": {"match": ["trail"]},
                }
            }
        )
    )
    return events


def test_rules_come_from_every_module_with_tags_index_and_description(plan_file):
    found = rules.rules_from_plan(json.loads(plan_file.read_text()))
    assert [(r.key, r.severity, r.title) for r in found] == [
        ("oauth_client_delete", "CRITICAL", "OAuth client deleted"),
        ("trail", None, None),
    ]
    assert found[0].event_pattern == OAUTH and found[0].event_bus_name == "genesys-bus"


def test_same_key_in_several_regions_is_qualified_by_region():
    plan = _plan(
        _rule(
            'module.eu["a"].aws_cloudwatch_event_rule.x', pattern=OAUTH, tags={rules.TAG_KEY: "k"}, region="eu-west-1"
        ),
        _rule(
            'module.eu["b"].aws_cloudwatch_event_rule.x',
            pattern=OAUTH,
            tags={rules.TAG_KEY: "k"},
            region="eu-central-1",
        ),
    )
    assert [r.key for r in rules.rules_from_plan(plan)] == ["k@eu-west-1", "k@eu-central-1"]


def test_unknown_pattern_is_an_error():
    with pytest.raises(rules.RulesError, match="unknown at plan time"):
        rules.rules_from_plan(_plan(_rule("aws_cloudwatch_event_rule.x", pattern=None)))


def test_events_from_directory_and_jsonl(corpus, tmp_path):
    loaded = rules.load_events(corpus)
    assert [(e.id, e.file) for e in loaded] == [
        ("a-3", "both.json"),
        ("both.json#1", "both.json"),
        ("a-1", "oauth_delete.json"),
        ("a-2", "presence.json"),
    ]
    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text(json.dumps(_event("Role", "Create", "r-1")) + "\n\n" + json.dumps({"x": 1}) + "\n")
    assert [(e.id, e.file) for e in rules.load_events(jsonl)] == [
        ("r-1", "events.jsonl:1"),
        ("events.jsonl:3", "events.jsonl:3"),
    ]
    with pytest.raises(rules.RulesError, match="neither a directory nor a file"):
        rules.load_events(tmp_path / "missing")


def test_expectations_hold_and_cli_exits_zero(plan_file, corpus, capsys):
    code = cli.main(["rules", "test", "--plan", str(plan_file), "--events", str(corpus)])
    out = capsys.readouterr().out
    assert code == 0
    assert (
        "2 rules, 4 events, 2 events matched at least one rule, 0 rules matched nothing, 0 expectation failures" in out
    )


def test_broken_expectations_fail_with_reasons(plan_file, corpus, capsys):
    (corpus / "expectations.json").write_text(
        json.dumps(
            {
                "events": {
                    "presence.json": {"match": ["trail"]},
                    "oauth_delete.json": {"match": ["oauth_client_delete"], "exactly": True},
                    "ghost.json": {"match": ["trail"]},
                    "a-3": {"match": ["no_such_rule"]},
                }
            }
        )
    )
    code = cli.main(["rules", "test", "--plan", str(plan_file), "--events", str(corpus)])
    err = capsys.readouterr().err
    assert code == 1
    assert "FAIL presence.json: must match trail but does not" in err
    assert "FAIL oauth_delete.json: matches trail, which the expectation (exactly) does not list" in err
    assert "FAIL ghost.json: expected in the corpus but no such event file or id" in err
    assert "FAIL a-3: expectation names rule 'no_such_rule', which the plan does not render" in err


def test_json_format_shape(plan_file, corpus, capsys):
    assert cli.main(["rules", "test", "--plan", str(plan_file), "--events", str(corpus), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rules"][0] == {
        "key": "oauth_client_delete",
        "severity": "CRITICAL",
        "title": "OAuth client deleted",
        "event_pattern": OAUTH,
    }
    assert out["rules"][1]["severity"] is None
    assert {"id": "a-1", "file": "oauth_delete.json"} in out["events"]
    assert out["matches"]["a-1"] == ["oauth_client_delete", "trail"] and out["matches"]["a-2"] == []


def test_markdown_lists_coverage_totals_and_rules_matching_nothing(tmp_path, corpus):
    plan = _plan(
        _rule("aws_cloudwatch_event_rule.never", pattern={"detail-type": ["nothing"]}),
        _rule("aws_cloudwatch_event_rule.trail", pattern=TRAIL),
    )
    report = rules.evaluate(rules.rules_from_plan(plan), rules.load_events(corpus), {})
    text = rules.format_markdown(report)
    assert "| `trail` | — |  | 2: `both.json`, `oauth_delete.json` |" in text
    assert "**Rules that match nothing in the corpus:** `never`" in text
    assert "**Totals:** 2 rules, 4 events" in text


def test_lint_flags_the_known_traps():
    plan = _plan(
        _rule("aws_cloudwatch_event_rule.default_bus", pattern=OAUTH, bus="default"),
        _rule("aws_cloudwatch_event_rule.flat", pattern={"detail": {"entityType": ["OAuthClient"]}}),
        _rule(
            "aws_cloudwatch_event_rule.star", pattern={"detail-type": ["v2.audits.entitytype.OAuthClient.entityid.*"]}
        ),
        _rule(
            "aws_cloudwatch_event_rule.missing",
            pattern={"detail": {"eventBody": {"clientId": {"id": [{"anything-but": ["c-1"]}]}}}},
        ),
        _rule(
            "aws_cloudwatch_event_rule.kept",
            pattern={
                "$or": [
                    {"detail": {"eventBody": {"clientId": {"id": [{"exists": False}]}}}},
                    {"detail": {"eventBody": {"clientId": {"id": [{"anything-but": ["c-1"]}]}}}},
                ]
            },
        ),
        _rule("aws_cloudwatch_event_rule.all", pattern={"source": [{"prefix": ""}]}),
        _rule("aws_cloudwatch_event_rule.invalid", pattern={"detail-type": "not-a-list"}),
        _rule("aws_cloudwatch_event_rule.fine", pattern=OAUTH),
    )
    findings = {(f.rule, f.level, f.message.split(":")[0]) for f in rules.lint(rules.rules_from_plan(plan))}
    by_rule = {}
    for rule, level, _ in findings:
        by_rule.setdefault(rule, set()).add(level)
    assert ("default_bus", "error", "rule is on the default event bus; use the dedicated bus") in findings
    assert any(r == "flat" and m.startswith("pattern on detail.entityType") for r, _, m in findings)
    assert any(r == "star" and lvl == "error" for r, lvl, _ in findings)
    assert by_rule["missing"] == {"warning"}
    assert "kept" not in by_rule and "fine" not in by_rule
    assert by_rule["all"] == {"error"}
    assert by_rule["invalid"] == {"error"}


def test_lint_exit_codes(tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan(_rule("aws_cloudwatch_event_rule.ok", pattern=OAUTH))))
    assert cli.main(["rules", "lint", "--plan", str(path)]) == 0
    path.write_text(json.dumps(_plan(_rule("aws_cloudwatch_event_rule.warn", pattern=TRAIL))))
    assert cli.main(["rules", "lint", "--plan", str(path)]) == 0
    assert cli.main(["rules", "lint", "--plan", str(path), "--strict"]) == 1
    assert "1 rules linted: 0 errors, 1 warnings" in capsys.readouterr().out
