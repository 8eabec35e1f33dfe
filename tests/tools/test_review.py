"""`genesys-audit review` on synthetic plans: change classification, patterns in words, readability, bad input."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from genesys_audit_tools import cli, review
from genesys_audit_tools.harness import Plan

REPO = Path(__file__).resolve().parents[2]
AUDIT = "v2.audits.entitytype.{id}.entityid.{id}"


def _plan(resources: list[dict[str, Any]]) -> Plan:
    items = []
    for r in resources:
        module = r.get("module")
        local = f"{r['type']}.{r['name']}" + (f'["{r["index"]}"]' if "index" in r else "")
        items.append({
            "address": f"{module}.{local}" if module else local,
            "mode": "managed",
            "type": r["type"],
            "name": r["name"],
            "index": r.get("index"),
            "values": r["values"],
        })
    return Plan({"planned_values": {"root_module": {"resources": items}}})


def _rule(key: str, pattern: dict[str, Any], severity: str = "HIGH") -> dict[str, Any]:
    module = "module.p.module.rules"
    return {
        "module": module, "type": "aws_cloudwatch_event_rule", "name": "this", "index": key,
        "values": {"name": f"p-{key}", "event_bus_name": "bus", "event_pattern": json.dumps(pattern),
                   "description": key.title(), "state": "ENABLED",
                   "tags": {"genesys-audit:rule": key, "genesys-audit:severity": severity}},
    }


def _pattern(entity: str, actions: list[str], excluded: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"entityType": [entity], "action": actions}
    if excluded:
        body["clientId"] = {"id": [{"exists": False}, {"anything-but": excluded}]}
    return {"detail-type": [AUDIT], "detail": {"eventBody": body}}


def test_describe_says_what_a_pattern_matches_with_its_exclusions() -> None:
    pattern = _pattern("OAuthClient", ["Delete", "Update"], ["c1", "c2"])
    pattern["detail"]["eventBody"]["remoteIp"] = [{"exists": False}, {"anything-but": {"prefix": ["10.20."]}}]
    assert review.describe(pattern) == (
        "an audit event and entityType is OAuthClient and action is one of Delete, Update; "
        "excluding clientId.id in [c1, c2], remoteIp starting with 10.20."
    )
    assert review.describe({"source": [{"prefix": "aws.partner/"}], "$or": [{"a": [1]}, {"b": ["x"]}]}) == (
        "source starting with aws.partner/ and either (a is 1) or (b is x)"
    )


def test_pattern_diff_names_the_values_added_and_removed_per_field() -> None:
    before = _pattern("OAuthClient", ["Delete"], ["c1"])
    after = _pattern("OAuthClient", ["Delete", "Update"], ["c1", "c2"])
    assert review.pattern_diff(before, after) == [
        "`action`: added `Update`",
        "`clientId.id`: added `not c2`",
    ]


def _base_and_head() -> tuple[Plan, Plan]:
    common = [
        {"module": "module.p.module.trail", "type": "aws_cloudwatch_log_group", "name": "this",
         "values": {"name": "/trail", "retention_in_days": 400}},
        {"module": "module.p.module.queue", "type": "aws_sqs_queue", "name": "this",
         "values": {"name": "detections"}},
    ]
    base = _plan([
        common[0], common[1],
        {"module": "module.p.module.bus", "type": "aws_cloudwatch_event_archive", "name": "this",
         "values": {"name": "archive"}},
        _rule("oauth-client-delete", _pattern("OAuthClient", ["Delete"], ["c1"])),
        _rule("webhook-change", _pattern("Webhook", ["Create"], ["c1"])),
    ])
    head = _plan([
        {**common[0], "values": {"name": "/trail", "retention_in_days": 3653}},
        {**common[1], "values": {"name": "detections-v2"}},
        _rule("oauth-client-delete", _pattern("OAuthClient", ["Delete"], ["c1", "c2"]), severity="CRITICAL"),
        _rule("flow-publish", _pattern("Flow", ["Publish"], [])),
    ])
    return base, head


def test_changes_between_two_plans_by_address() -> None:
    base, head = _base_and_head()
    changes = {c.address: c for c in review.changes_between(base, head)}
    assert changes["module.p.module.trail.aws_cloudwatch_log_group.this"].action == "update"
    assert changes["module.p.module.trail.aws_cloudwatch_log_group.this"].attributes == ("retention_in_days",)
    queue = changes["module.p.module.queue.aws_sqs_queue.this"]
    assert (queue.action, queue.replaced_because) == ("replace", ("name",))
    assert queue.loses == "the messages waiting in the queue are deleted"
    assert changes["module.p.module.bus.aws_cloudwatch_event_archive.this"].action == "delete"
    assert changes['module.p.module.rules.aws_cloudwatch_event_rule.this["flow-publish"]'].action == "create"
    assert changes['module.p.module.rules.aws_cloudwatch_event_rule.this["oauth-client-delete"]'].action == "update"


def test_a_saved_plan_is_read_for_its_recorded_actions() -> None:
    plan = Plan({
        "planned_values": {"root_module": {"resources": []}},
        "resource_changes": [
            {"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k",
             "change": {"actions": ["delete", "create"], "before": {"key_usage": "A"}, "after": {"key_usage": "B"},
                        "replace_paths": [["key_usage"]]}},
            {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q",
             "change": {"actions": ["no-op"], "before": {}, "after": {}}},
            {"address": "aws_dynamodb_table.t", "mode": "managed", "type": "aws_dynamodb_table", "name": "t",
             "change": {"actions": ["delete"], "before": {"name": "t"}, "after": None}},
        ],
    })
    changes = review.changes_recorded(plan)
    assert [(c.address, c.action, c.replaced_because) for c in changes] == [
        ("aws_dynamodb_table.t", "delete", ()),
        ("aws_kms_key.k", "replace", ("key_usage",)),
    ]
    assert all(c.loses for c in changes)


def test_markdown_puts_counts_first_and_data_loss_before_rules() -> None:
    base, head = _base_and_head()
    result = review.build(review.Side(base, "main"), review.Side(head, "pr"), events=None, run_checks=False)
    text = review.format_markdown(result)
    lines = text.splitlines()
    assert lines[0] == review.MARKER
    assert lines[7] == "| 1 | 2 | 2 | 1 | 3 | 0 violation(s) | 0 error(s), 0 warning(s) | not run |"
    assert text.index(":warning: 2 resource(s) holding data or events") < text.index("### Rules")
    assert "**REPLACED** `module.p.module.queue.aws_sqs_queue.this` (forced by `name`)" in text
    assert "**DESTROYED** `module.p.module.bus.aws_cloudwatch_event_archive.this`" in text
    assert "#### REMOVED `webhook-change`" in text and "#### ADDED `flow-publish`" in text
    assert "- severity: HIGH → **CRITICAL**" in text
    assert "- pattern: `clientId.id`: added `not c2`" in text
    document = json.loads(review.format_json(result))
    assert document["counts"] == {"replaced": 1, "destroyed": 2, "updated in place": 2, "created": 1}
    assert {r["key"]: r["status"] for r in document["rules"]} == {
        "flow-publish": "added", "oauth-client-delete": "changed", "webhook-change": "removed"}
    assert document["exclusions"] == [
        {"field": "clientId.id", "value": "c1", "rules_before": 2, "rules_after": 1},
        {"field": "clientId.id", "value": "c2", "rules_before": 0, "rules_after": 1},
    ]


def _large_plans(seed: int) -> tuple[Plan, Plan]:
    """150 resources in six modules, 40 rules; the head changes, replaces, destroys and creates some."""
    rng = random.Random(seed)
    types = ["aws_cloudwatch_metric_alarm", "aws_iam_role", "aws_sqs_queue", "aws_cloudwatch_log_group",
             "aws_lambda_permission"]
    base: list[dict[str, Any]] = []
    for i in range(110):
        module = f"module.p.module.m{i % 6}"
        base.append({"module": module, "type": types[i % len(types)], "name": "this", "index": f"k{i}",
                     "values": {"name": f"n{i}", "description": "d"}})
    base += [_rule(f"rule-{i:02d}", _pattern(f"Entity{i}", ["Create", "Delete"], ["c1"])) for i in range(40)]
    head = []
    for item in base:
        roll = rng.random()
        if roll < 0.05:
            continue  # destroyed
        changed = item
        if roll < 0.15:
            changed = {**item, "values": {**item["values"], "name": item["values"]["name"] + "-v2"}}
        elif roll < 0.5:
            changed = {**item, "values": {**item["values"], "description": "changed"}}
        head.append(changed)
    head += [{"module": "module.p.module.new", "type": "aws_sns_topic", "name": "this", "index": f"t{i}",
              "values": {"name": f"t{i}"}} for i in range(10)]
    rng.shuffle(head)
    return _plan(base), _plan(head)


def test_a_150_resource_review_stays_readable_and_stable() -> None:
    base, head = _large_plans(7)
    assert len(base.resources()) == 150
    result = review.build(review.Side(base, "main"), review.Side(head, "pr"), events=None, run_checks=False)
    text = review.format_markdown(result)
    assert len(text) < review.COMMENT_LIMIT
    lines = text.splitlines()
    assert lines[5].startswith("| replaced |") and "### Rules" in text  # the counts come first
    assert len(lines) < 600
    # every module's list is a collapsed section, in module order
    summaries = re.findall(r"<details><summary>`(module\.[^`]+)`: ", text)
    assert summaries == sorted(summaries) and len(summaries) == 8
    # the resource changes are listed only inside collapsed sections
    body = text[text.index("### Resource changes by module"):]
    outside = re.sub(r"<details>.*?</details>", "", body, flags=re.DOTALL)
    assert "`module.p.module.m0.aws_" not in outside
    # stable: the order of resources in the plan does not change the document
    again = review.build(review.Side(base, "main"), review.Side(_large_plans(7)[1], "pr"), events=None,
                         run_checks=False)
    assert review.format_markdown(again) == text


def test_a_document_over_the_comment_limit_drops_the_resource_lists_not_the_summary() -> None:
    base, head = _large_plans(3)
    result = review.build(review.Side(base, "main"), review.Side(head, "pr"), events=None, run_checks=False)
    short = review.format_markdown(result, limit=5_000)
    assert "The resource lists were left out to fit one comment" in short
    assert "| replaced |" in short and "<details><summary>`module.p.module.m0`" not in short
    assert len(short) < len(review.format_markdown(result))


HISTORY = (
    {"id": "a1", "entityType": "OAuthClient", "action": "Delete", "clientId": {"id": "c2"}},
    {"id": "a2", "entityType": "OAuthClient", "action": "Delete", "clientId": {"id": "c9"}},
    {"id": "a3", "entityType": "Webhook", "action": "Create"},
)


def _audit(body: dict[str, Any], day: int) -> dict[str, Any]:
    time = f"2026-11-{day:02d}T10:00:00Z"
    return {"version": "0", "id": body["id"], "detail-type": AUDIT, "source": "aws.partner/genesys.com/cloud/o/s",
            "time": time, "detail": {"eventBody": {**body, "eventTime": time}}}


def _plan_files(tmp_path: Path) -> list[str]:
    base, head = _base_and_head()
    (tmp_path / "base.json").write_text(json.dumps(base.raw))
    (tmp_path / "head.json").write_text(json.dumps(head.raw))
    return ["--base-plan", str(tmp_path / "base.json"), "--plan", str(tmp_path / "head.json"), "--no-check"]


def test_history_in_a_jsonl_file_shows_the_backtest_of_base_and_head_rules(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join(json.dumps(_audit(body, 20 + i)) for i, body in enumerate(HISTORY)) + "\n")
    out = tmp_path / "review.json"
    assert cli.main(["review", *_plan_files(tmp_path), "--events", str(history), "--format", "json",
                     "--output", str(out)]) == 0
    backtest = json.loads(out.read_text())["history"]
    assert backtest["audits"] == 3 and backtest["sources"] == [str(history)]
    rules = {r["key"]: r for r in backtest["rules"]}
    assert (rules["oauth-client-delete"]["status"], rules["oauth-client-delete"]["matches"]) == ("changed", 1)
    lost = rules["oauth-client-delete"]["no_longer_matched"]
    assert (lost["count"], [a["id"] for a in lost["samples"]]) == (1, ["a1"])  # the newly excluded client c2
    assert (rules["webhook-change"]["status"], rules["webhook-change"]["matches"]) == ("removed", 1)
    assert cli.main(["review", *_plan_files(tmp_path), "--events", str(history), "--output",
                     str(tmp_path / "review.md")]) == 0
    text = (tmp_path / "review.md").read_text()
    assert "### Rule backtest: 3 audits, 2026-11-20 to 2026-11-22 (3 days)" in text
    assert text.index("### Rule backtest") < text.index("### Resource changes by module")


def test_history_from_the_trail_log_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        logs = boto3.client("logs", region_name="eu-central-1")
        logs.create_log_group(logGroupName="/aws/events/genesys-audit")
        logs.create_log_stream(logGroupName="/aws/events/genesys-audit", logStreamName="s")
        events = [_audit(body, 20 + i) for i, body in enumerate(HISTORY)]
        logs.put_log_events(logGroupName="/aws/events/genesys-audit", logStreamName="s", logEvents=[
            {"timestamp": int(datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp() * 1000),
             "message": json.dumps(e)} for e in events])
        argv = ["review", *_plan_files(tmp_path), "--log-group", "/aws/events/genesys-audit", "--region",
                "eu-central-1", "--since", "2026-11-01", "--until", "2026-12-01", "--format", "json", "--output",
                str(tmp_path / "review.json"), "--fail-on-findings", "--fail-if-pages-per-day", "0"]
        assert cli.main(argv) == 1  # the CRITICAL oauth-client-delete matched an audit on a day: over 0 pages
        document = json.loads((tmp_path / "review.json").read_text())
        assert document["history"]["audits"] == 3
        assert document["history"]["sources"] == ["log group /aws/events/genesys-audit 2026-11-01T00:00Z to "
                                                  "2026-12-01T00:00Z"]
        assert document["history"]["failures"] == [
            "CRITICAL rule oauth-client-delete would have paged more than 0 times a day on 1 day(s) (up to 1, "
            "first 2026-11-21)"]
        assert cli.main([*argv[:-3]]) == 0  # without the condition, nothing fails


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dir", "/nonexistent/head"], "the head directory /nonexistent/head does not exist"),
        (["--plan", "/nonexistent/plan.json"], "cannot read the head plan /nonexistent/plan.json"),
        (["--plan", "PLAN", "--base-dir", "/nonexistent/base"], "the base directory /nonexistent/base does not exist"),
        (["--plan", "PLAN", "--events", "/nonexistent/h.jsonl"], "--events /nonexistent/h.jsonl does not exist"),
        (["--plan", "NOTPLAN"], "is not a `terraform show -json` plan"),
        (["--plan", "PLAN", "--fixtures", "/nonexistent/fx"], "--fixtures /nonexistent/fx does not exist"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plan.json").write_text(json.dumps({"planned_values": {"root_module": {}}}))
    (tmp_path / "not.json").write_text(json.dumps({"format_version": "1.2"}))
    argv = [str(tmp_path / "plan.json") if a == "PLAN" else str(tmp_path / "not.json") if a == "NOTPLAN" else a
            for a in argv]
    assert cli.main(["review", *argv]) == 2
    assert message in capsys.readouterr().err


# -- the shipped examples ----------------------------------------------------------------------------


def _subcommands() -> set[tuple[str, ...]]:
    import argparse

    found: set[tuple[str, ...]] = set()

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found.add((*prefix, name))
                    walk(child, (*prefix, name))

    walk(cli.build_parser(), ())
    return found


def test_pre_commit_hooks_name_real_subcommands() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    subcommands = _subcommands()
    ids = set()
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook), hook
        words = hook["entry"].split()
        assert words[0] == "genesys-audit", hook
        command = tuple(w for w in words[1:] if not w.startswith("-"))[:2]
        assert command in subcommands or command[:1] in subcommands, hook
        cli.build_parser().parse_args([*words[1:], *hook.get("args", [])])  # the arguments parse too
        ids.add(hook["id"])
    assert {"genesys-audit-rules-lint", "genesys-audit-check"} <= ids


def test_review_workflow_runs_review_and_updates_one_comment() -> None:
    workflow = yaml.safe_load((REPO / "examples" / "ci" / "github-actions-review.yml").read_text())
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "genesys-audit review --base-dir" in runs
    assert review.MARKER in runs  # the comment is found again by its hidden marker and edited, not re-posted
    assert "PATCH" in runs and "gh api" in runs
    assert "GENESYS_AUDIT_PROVIDER_SCHEMAS" in runs  # the offline plans need the provider schema
    command = next(line for line in runs.splitlines() if "genesys-audit review" in line)
    args = [a for a in command.replace("\\", " ").split()[1:] if a]
    cli.build_parser().parse_args(args)


def test_a_single_saved_plan_reviews_its_rules_from_before_and_after() -> None:
    old = _rule("oauth-client-delete", _pattern("OAuthClient", ["Delete"], []))
    new = _rule("oauth-client-delete", _pattern("OAuthClient", ["Delete", "Update"], []))
    address = 'module.p.module.rules.aws_cloudwatch_event_rule.this["oauth-client-delete"]'
    resource = {"address": address, "mode": "managed", "type": "aws_cloudwatch_event_rule", "name": "this",
                "index": "oauth-client-delete", "module_address": "module.p.module.rules"}
    plan = Plan({
        "planned_values": {"root_module": {"resources": [{**resource, "values": new["values"]}]}},
        "resource_changes": [{**resource, "change": {"actions": ["update"], "before": old["values"],
                                                      "after": new["values"]}}],
    })
    result = review.build(None, review.Side(plan, "plan.json"), events=None, run_checks=False)
    assert [(c.address, c.action, c.attributes) for c in result.changes] == [(address, "update", ("event_pattern",))]
    assert [(r.key, r.status, r.fields) for r in result.rules] == [("oauth-client-delete", "changed", ["pattern"])]
    assert "- pattern: `action`: added `Update`" in review.format_markdown(result)


def test_a_resource_referring_to_a_replaced_one_is_replaced_with_it() -> None:
    bucket = {"type": "aws_s3_bucket", "name": "b", "values": {"bucket": "old"}}
    versioning = {"type": "aws_s3_bucket_versioning", "name": "v", "values": {"versioning_configuration": []}}
    logs = {"type": "aws_s3_bucket_logging", "name": "l", "values": {"bucket": "fixed-name"}}
    configuration = {"root_module": {"resources": [
        {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
         "expressions": {"bucket": {"constant_value": "new"}}},
        {"address": "aws_s3_bucket_versioning.v", "mode": "managed", "type": "aws_s3_bucket_versioning",
         "name": "v", "expressions": {"bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]}}},
        {"address": "aws_s3_bucket_logging.l", "mode": "managed", "type": "aws_s3_bucket_logging", "name": "l",
         "expressions": {"bucket": {"constant_value": "fixed-name"},
                         "target_bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]}}},
    ]}}
    base = _plan([bucket, versioning, logs])
    head = _plan([{**bucket, "values": {"bucket": "new"}}, versioning, logs])
    head.raw["configuration"] = configuration
    head.raw["resource_changes"] = [
        {"address": "aws_s3_bucket_versioning.v", "change": {"after_unknown": {"bucket": True, "id": True}}},
        {"address": "aws_s3_bucket_logging.l", "change": {"after_unknown": {"target_bucket": True}}},
    ]
    changes = {c.address: c for c in review.changes_between(base, head)}
    assert changes["aws_s3_bucket.b"].replaced_because == ("bucket",)
    moved = changes["aws_s3_bucket_versioning.v"]
    assert (moved.action, moved.replaced_because, moved.through) == ("replace", ("bucket",), "aws_s3_bucket.b")
    # target_bucket does not force a new logging configuration: nothing to show for it
    assert "aws_s3_bucket_logging.l" not in changes


def test_cli_writes_json_and_fails_on_findings_only_when_asked(tmp_path: Path) -> None:
    base, head = _base_and_head()
    on_default_bus = _rule("role-change", _pattern("Role", ["Delete"], []))
    on_default_bus["values"]["event_bus_name"] = "default"  # a lint error: rules belong on the dedicated bus
    head_raw = _plan([*({"module": r.module_address, "type": r.type, "name": r.name, "index": r.index,
                         "values": r.values} for r in head.resources()), on_default_bus]).raw
    (tmp_path / "base.json").write_text(json.dumps(base.raw))
    (tmp_path / "head.json").write_text(json.dumps(head_raw))
    argv = ["review", "--base-plan", str(tmp_path / "base.json"), "--plan", str(tmp_path / "head.json"),
            "--no-check", "--fixtures", str(REPO / "tests" / "fixtures" / "events")]
    assert cli.main([*argv, "--format", "json", "--output", str(tmp_path / "review.json")]) == 0
    document = json.loads((tmp_path / "review.json").read_text())
    assert document["lint"][0]["rule"] == "role-change" and document["lint"][0]["level"] == "error"
    assert document["ok"] is False
    assert cli.main([*argv, "--fail-on-findings", "--output", str(tmp_path / "review.md")]) == 1
    assert "- error: `role-change`: rule is on the default event bus" in (tmp_path / "review.md").read_text()


def test_only_violations_the_change_adds_fail_the_review() -> None:
    from genesys_audit_tools.check.model import Violation

    base, head = _base_and_head()
    result = review.build(review.Side(base, "main"), review.Side(head, "pr"), events=None, run_checks=False)
    old = Violation("quotas", "aws_iam_role.r", "the trust policy is 3,000 characters")
    result.check_report.violations = [old]
    result.base_violations = {(old.check, old.address, old.message)}
    assert result.ok and "**0 new violation(s)** in this change (1 on the head, 1 already on the base)" in \
        review.format_markdown(result)
    result.check_report.violations.append(Violation("kms", "aws_kms_key.k", "logs may not use the key"))
    assert not result.ok
    assert [v.check for v in result.new_violations] == ["kms"]
    assert "FAIL [kms] aws_kms_key.k: logs may not use the key" in review.format_markdown(result)


def test_a_first_deployment_lists_its_many_new_rules_and_collapses_them() -> None:
    empty = _plan([])
    head, _ = _large_plans(5)  # the base of the large plans: 150 resources, 40 rules
    result = review.build(review.Side(empty, "nothing"), review.Side(head, "pr"), events=None, run_checks=False)
    text = review.format_markdown(result)
    heading = next(line for line in text.splitlines() if line.startswith("#### 40 rules added: "))
    assert heading.count("`rule-") == 40
    section = text[text.index(heading):text.index("### Plan-time AWS checks")]
    assert section.count("<details>") == 1 + 40  # one around them all, one per pattern
    assert "#### ADDED `rule-00` (HIGH)" in section.split("<details>", 1)[1]
