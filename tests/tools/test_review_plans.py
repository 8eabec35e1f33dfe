"""`genesys-audit review` of examples/complete against a variant planned for real (one plan each per session)."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from genesys_audit_tools import cli, review

REPO = Path(__file__).resolve().parents[2]
# examples/complete deploys the whole catalog; the variant disables one rule and adds one exclusion, which
# every other catalog rule then carries.
CHANGED_ALIKE = len(json.loads((REPO / "modules" / "audit-rules" / "catalog.json").read_text())["rules"]) - 1
COMPLETE = REPO / "examples" / "complete"
FIXTURES = str(REPO / "tests" / "fixtures" / "events")
BUCKET = "module.genesys_audit.module.siem.aws_s3_bucket.backup[0]"
ARCHIVE = "module.genesys_audit.module.bus.aws_cloudwatch_event_archive.protected[0]"  # prevent_destroy by default
# examples/complete is planned by the other tests of this group: one plan per worker and session.
pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]
PlanFn = Callable[..., Any]
TryPlanFn = Callable[..., Any]

# (old text, new text) in examples/complete/main.tf: each must occur exactly once.
EDITS: tuple[tuple[str, str], ...] = (
    # a catalog rule disabled
    ("  catalog = {\n", '  catalog = {\n    disabled = ["webhook-change"]\n'),
    # a custom rule added
    (
        '  custom_rules = {\n',
        '  custom_rules = {\n'
        '    "integration-delete" = {\n'
        '      title    = "Integration deleted"\n'
        '      severity = "CRITICAL"\n'
        '      event_pattern = jsonencode({\n'
        '        "detail-type" = ["v2.audits.entitytype.{id}.entityid.{id}"]\n'
        '        detail        = { eventBody = { entityType = ["Integration"], action = ["Delete"] } }\n'
        '      })\n'
        '      destinations = ["queue"]\n'
        '    }\n',
    ),
    # an exclusion added
    (
        '"f0f0f0f0-aaaa-4aaa-8aaa-00000000a070"]',
        '"f0f0f0f0-aaaa-4aaa-8aaa-00000000a070", "0b0b0b0b-1111-4111-8111-0000000000b0"]',
    ),
    # the trail's retention changed (in place)
    ("trail = { retention_in_days = 731 }", "trail = { retention_in_days = 3653 }"),
    # the archive removed (destroyed: loses the replay history)
    ("archive = { enabled = true, retention_days = 400 }", "archive = { enabled = false }"),
    # the Splunk backup bucket renamed (replaced: loses its objects)
    (
        "genesys-audit/splunk-hec-AbCdEf\"\n",
        "genesys-audit/splunk-hec-AbCdEf\"\n    backup_bucket_name   = \"genesys-audit-splunk-backup-renamed\"\n",
    ),
)


def make(root: Path) -> Path:
    """Write the variant repository under `root`; return its examples/complete."""
    for name in ("modules", "lambda_src", "examples/complete"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".terraform*"))
    for path in [*REPO.glob("*.tf"), REPO / "residency.json"]:
        shutil.copy(path, root / path.name)
    main = root / "examples" / "complete" / "main.tf"
    text = main.read_text()
    for old, new in EDITS:
        assert text.count(old) == 1, f"examples/complete/main.tf no longer contains exactly one {old!r}"
        text = text.replace(old, new)
    main.write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root / "examples" / "complete"


@pytest.fixture(scope="session")
def variant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("review-variant"))


TRAIL = "/aws/events/genesys-audit"


def _history(**options: Any) -> review.Backtester:
    defaults = {"events": None, "log_group": None, "s3": None, "since": None, "until": None, "region": None}
    backtester = review.history_backtester(argparse.Namespace(**{**defaults, **options}))
    assert backtester is not None
    return backtester


def _corpus() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(Path(FIXTURES).glob("*.json")) if p.name != "expectations.json"]


@pytest.fixture(scope="session")
def complete_review(tf_plan: PlanFn, variant_dir: Path) -> review.Review:
    """The review with the fixture corpus as history in the trail log group (moto), restamped to the last days."""
    import boto3
    from moto import mock_aws

    base = review.Side(tf_plan(COMPLETE), "main", str(COMPLETE))
    head = review.Side(tf_plan(variant_dir), "pull request", str(variant_dir))
    now = datetime.now(UTC).replace(microsecond=0)
    with pytest.MonkeyPatch.context() as env, mock_aws():
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        logs = boto3.client("logs", region_name="eu-central-1")
        logs.create_log_group(logGroupName=TRAIL)
        logs.create_log_stream(logGroupName=TRAIL, logStreamName="trail")
        events = []
        for hours, event in enumerate(reversed(_corpus()), start=1):
            moment = now - timedelta(hours=hours)
            event["time"] = moment.isoformat().replace("+00:00", "Z")
            events.append({"timestamp": int(moment.timestamp() * 1000), "message": json.dumps(event)})
        logs.put_log_events(logGroupName=TRAIL, logStreamName="trail", logEvents=events[::-1])
        return review.build(base, head, events=FIXTURES,
                            backtester=_history(log_group=TRAIL, region="eu-central-1", since="7d"))


def test_review_counts_and_loudly_shows_what_loses_data(complete_review: review.Review) -> None:
    text = review.format_markdown(complete_review)
    assert len(text) < review.COMMENT_LIMIT
    header = text.splitlines()[7]
    replaced, destroyed, updated, created = (int(c) for c in header.strip("|").split("|")[:4])
    assert replaced >= 1 and destroyed >= 1 and updated >= 1 and created >= 1
    loud = text[text.index(":warning:"):text.index("### Rules")]
    assert f"**REPLACED** `{BUCKET}` (forced by `bucket`): its objects are deleted" in loud
    assert f"**DESTROYED** `{ARCHIVE}`: the archived events (the replay history) are deleted" in loud
    # the trail's retention is an in-place update, listed in the trail module's collapsed section (of the
    # whole document: with the full catalog the comment-sized one drops the per-module lists)
    full = review.format_markdown(complete_review, limit=10**9)
    assert "- `module.genesys_audit.module.trail.aws_cloudwatch_log_group.this[0]` — `retention_in_days`" in full
    trail = full.index("<details><summary>`module.genesys_audit.module.trail`: ")
    assert "updated in place" in full[trail:trail + 200]


def test_review_shows_rule_changes_in_words_targets_and_exclusions(complete_review: review.Review) -> None:
    text = review.format_markdown(complete_review)
    assert "#### REMOVED `webhook-change` (HIGH)" in text
    assert "- target removed: `webhook-change-queue` → arn:aws:sqs:" in text
    assert "- fixtures no longer matched: `24_webhook_create.json`" in text
    assert (
        "#### ADDED `integration-delete` (CRITICAL): Integration deleted\n\n"
        "Matches: an audit event and action is Delete and entityType is Integration."
    ) in text
    assert "- target added: `integration-delete-queue` → arn:aws:sqs:" in text
    # the added exclusion changes every catalog rule alike: one heading, the value in words and as JSON
    assert f"({CHANGED_ALIKE} rules, changed alike)" in text
    assert "- pattern: `clientId.id`: added `not 0b0b0b0b-1111-4111-8111-0000000000b0`" in text
    assert '+       "0b0b0b0b-1111-4111-8111-0000000000b0"' in text
    assert f"| `clientId.id` | `0b0b0b0b-1111-4111-8111-0000000000b0` | 0 | {CHANGED_ALIKE} |" in text
    words = "`oauth-client-delete` (CRITICAL) now matches: an audit event and action is Delete and entityType is "
    words += "OAuthClient"
    assert words in text


def test_review_reports_checks_lint_and_fixtures(complete_review: review.Review) -> None:
    text = review.format_markdown(complete_review)
    for section in ("### Plan-time AWS checks (`genesys-audit check`)", "### `rules lint`",
                    "### `rules test` on the fixtures", "### Resource changes by module"):
        assert section in text
    assert "new violation(s)** in this change" in text
    assert "- FAIL 24_webhook_create.json: must match webhook-change but does not" in text
    assert not complete_review.ok  # the disabled rule breaks the repository's fixture expectations


def test_review_json_carries_the_same_content(complete_review: review.Review) -> None:
    document = json.loads(review.format_json(complete_review))
    by_address = {c["address"]: c for c in document["resource_changes"]}
    assert by_address[BUCKET]["action"] == "replace" and by_address[BUCKET]["replaced_because"] == ["bucket"]
    assert by_address[ARCHIVE]["action"] == "delete"
    # re-created with the bucket: its `bucket` argument is the new bucket's id, unknown until apply
    versioning = by_address["module.genesys_audit.module.siem.aws_s3_bucket_versioning.backup[0]"]
    assert (versioning["action"], versioning["replaced_because"], versioning["through"]) == (
        "replace", ["bucket"], BUCKET)
    assert by_address["module.genesys_audit.module.trail.aws_cloudwatch_log_group.this[0]"]["action"] == "update"
    assert {c["address"] for c in document["loses_data"]} >= {BUCKET, ARCHIVE}
    rules = {r["key"]: r for r in document["rules"]}
    assert rules["webhook-change"]["status"] == "removed"
    assert rules["integration-delete"]["status"] == "added"
    assert rules["integration-delete"]["after"]["event_pattern"]["detail"]["eventBody"] == {
        "entityType": ["Integration"], "action": ["Delete"]}
    assert rules["oauth-client-delete"]["fields"] == ["pattern"]
    assert document["fixtures"]["failures"] and document["ok"] is False


def test_review_embeds_the_backtest_of_the_trail(complete_review: review.Review) -> None:
    history = complete_review.history
    assert history is not None and history.audits == len(_corpus())
    assert history.rule("webhook-change").status == "removed" and history.rule("webhook-change").matches == 1
    assert history.rule("integration-delete").status == "added"
    text = review.format_markdown(complete_review)
    assert f"### Rule backtest: {len(_corpus())} audits" in text
    assert f"History: `log group {TRAIL} " in text
    assert "| `webhook-change` **removed** | HIGH | 1 |" in text
    document = json.loads(review.format_json(complete_review))
    assert {r["key"]: r["status"] for r in document["history"]["rules"]}["integration-delete"] == "added"


def test_review_with_history_in_a_jsonl_file(tf_plan: PlanFn, variant_dir: Path, tmp_path: Path) -> None:
    history = tmp_path / "audits.jsonl"
    history.write_text("".join(json.dumps(e) + "\n" for e in _corpus()))
    base = review.Side(tf_plan(COMPLETE), "main", str(COMPLETE))
    head = review.Side(tf_plan(variant_dir), "pull request", str(variant_dir))
    result = review.build(base, head, events=None, backtester=_history(events=str(history)), run_checks=False)
    assert result.history is not None and result.history.sources == [str(history)]
    assert result.history.rule("oauth-client-delete").status == "changed"  # the added exclusion
    changed = result.history.rule("oauth-client-delete")
    # no audit of the corpus comes from the newly excluded client: the same two deletions as before
    assert (changed.matches, changed.newly_matched, changed.no_longer_matched) == (2, 0, 0)
    assert "### Rule backtest: " in review.format_markdown(result)


def test_an_unplannable_head_is_a_clear_error_with_exit_2(
    tf_try_plan: TryPlanFn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = \n}\n')
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"planned_values": {"root_module": {}}}))
    code = cli.main(["review", "--base-plan", str(base), "--dir", str(broken), "--no-check"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"genesys-audit review: the head directory {broken} did not plan:" in err
    assert "main.tf" in err  # Terraform's own diagnostic follows
