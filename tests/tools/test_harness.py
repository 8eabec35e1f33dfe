"""The offline plan harness: the real schema enforced by Terraform, mock-style plans, realistic data."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from genesys_audit_tools import cli, harness

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

FIXTURE = Path(__file__).resolve().parents[1] / "terraform" / "fixtures" / "harness"
RULE_ARN = "arn:aws:events:eu-west-1:123456789012:rule/harness-bus/harness-oauth"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:harness-queue"


@pytest.fixture(scope="module")
def fixture_plan(tf_plan):
    return tf_plan(FIXTURE)


def test_plans_every_resource_of_the_fixture(fixture_plan):
    assert fixture_plan.count_by_type() == {
        "aws_cloudwatch_event_bus": 1,
        "aws_cloudwatch_event_rule": 1,
        "aws_cloudwatch_event_target": 1,
        "aws_iam_role": 1,
        "aws_lambda_function": 1,
        "aws_sqs_queue": 2,
        "aws_sqs_queue_policy": 1,
    }
    assert "Plan: 8 to add, 0 to change, 0 to destroy." in fixture_plan.human


def test_rule_pattern_and_region_pass_through(fixture_plan):
    rule = fixture_plan.resource("aws_cloudwatch_event_rule.oauth")
    assert rule.region == "eu-west-1"  # per-resource region wins over the provider's eu-central-1
    assert rule.values["event_bus_name"] == "harness-bus"
    assert rule.json("event_pattern") == {
        "detail-type": ["v2.audits.entitytype.{id}.entityid.{id}"],
        "detail": {"eventBody": {"entityType": ["OAuthClient"], "action": ["Delete"]}},
    }
    # Computed attributes are unknown, as with the real provider...
    assert rule.unknown["arn"] is True and "arn" not in rule.values
    # ...and tags_all merges the provider's default_tags like the real provider does.
    assert rule.values["tags_all"] == {"Project": "genesys-audit", "Rule": "oauth"}


def test_unset_region_defaults_to_the_provider_region(tf_plan, tmp_path):
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "ca-central-1"\n}\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
    )
    queue = tf_plan(tmp_path).resource("aws_sqs_queue.q")
    assert queue.region == "ca-central-1"


def test_queue_policy_is_rendered_to_real_iam_json(fixture_plan):
    policy = fixture_plan.resource("aws_sqs_queue_policy.this").json("policy")
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowEventBridgeFromRule",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": QUEUE_ARN,
                "Principal": {"Service": "events.amazonaws.com"},
                "Condition": {"ArnEquals": {"aws:SourceArn": RULE_ARN}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Action": "sqs:*",
                "Resource": QUEUE_ARN,
                "Principal": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    document = next(d for d in fixture_plan.data_sources("aws_iam_policy_document"))
    assert document.values["json"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [')
    assert json.loads(document.values["minified_json"]) == policy


def test_target_carries_retry_policy_and_dead_letter_config(fixture_plan):
    target = fixture_plan.resource("aws_cloudwatch_event_target.sqs")
    assert target.values["retry_policy"] == [
        {"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 185}
    ]
    assert len(target.values["dead_letter_config"]) == 1
    assert target.unknown["dead_letter_config"] == [{"arn": True}]  # the DLQ's ARN is known after apply


def test_data_sources_answer_realistic_values(fixture_plan):
    identity = fixture_plan.data_sources("aws_caller_identity")[0].values
    assert identity["account_id"] == "123456789012"
    assert identity["arn"] == "arn:aws:iam::123456789012:user/genesys-audit-standin"
    partition = fixture_plan.data_sources("aws_partition")[0].values
    assert (partition["partition"], partition["dns_suffix"]) == ("aws", "amazonaws.com")


def test_lambda_is_packaged_by_archive_file_with_a_real_hash(fixture_plan, tmp_path):
    archive = fixture_plan.data_sources("archive_file")[0].values
    function = fixture_plan.resource("aws_lambda_function.this")
    assert function.values["source_code_hash"] == archive["output_base64sha256"]
    assert function.values["memory_size"] == 256 and function.region == "eu-west-1"
    # Rebuild the zip the same way and compare: the hash is a real digest of real content.
    from genesys_audit_tools.standin import archive as standin_archive

    out = tmp_path / "again.zip"
    again = standin_archive.build(
        {"type": "zip", "source_dir": str(FIXTURE / "src"), "output_path": str(out)}
    )
    assert again["output_base64sha256"] == archive["output_base64sha256"]
    assert (
        base64.b64encode(hashlib.sha256(out.read_bytes()).digest()).decode() == archive["output_base64sha256"]
    )
    assert zipfile.ZipFile(out).namelist() == ["app.py"]


def _broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the fixture with the first match of the regex `old` replaced by `new`."""
    work = tmp_path / "broken"
    shutil.copytree(FIXTURE, work)
    main = work / "main.tf"
    text, count = re.subn(old, new, main.read_text(), count=1)
    assert count == 1, f"{old!r} not found in the fixture"
    main.write_text(text)
    return work


def test_misspelled_attribute_fails_the_plan_naming_it(tf_try_plan, tmp_path):
    work = _broken_copy(tmp_path, r"receive_wait_time_seconds\b", "receive_wait_time_second")
    outcome = tf_try_plan(work)
    assert not outcome.ok
    assert 'An argument named "receive_wait_time_second" is not expected here' in outcome.output
    assert (
        'Did you\nmean "receive_wait_time_seconds"?' in outcome.output
        or "receive_wait_time_seconds" in outcome.output
    )


def test_wrong_type_fails_the_plan_naming_the_attribute(tf_try_plan, tmp_path):
    work = _broken_copy(tmp_path, r'tags(\s*)= \{ Rule = "oauth" \}', r'tags\1= ["oauth"]')
    outcome = tf_try_plan(work)
    assert not outcome.ok
    assert 'Inappropriate value for attribute "tags": map of string required' in outcome.output


def test_missing_required_argument_fails_the_plan_naming_it(tf_try_plan, tmp_path):
    work = _broken_copy(tmp_path, r"\n  arn\s+= aws_sqs_queue.this.arn", "")
    outcome = tf_try_plan(work)
    assert not outcome.ok
    assert 'The argument "arn" is required, but no definition was found.' in outcome.output


def test_missing_schema_fails_with_instructions(monkeypatch, tmp_path):
    monkeypatch.setenv("TF_PROVIDERS", "standin")
    monkeypatch.setenv("GENESYS_AUDIT_PROVIDER_SCHEMAS", str(tmp_path / "nowhere.json.gz"))
    outcome = harness.try_plan(FIXTURE)
    assert not outcome.ok
    assert "GENESYS_AUDIT_PROVIDER_SCHEMAS=" in outcome.output and "TF_PROVIDERS=real" in outcome.output


def test_plan_leaves_the_source_tree_untouched(fixture_plan):
    assert not (FIXTURE / ".terraform").exists()
    assert not (FIXTURE / ".terraform.lock.hcl").exists()
    assert not (FIXTURE / ".build").exists()


def test_cli_plan_writes_json_and_exits_zero(tmp_path, capsys):
    out = tmp_path / "plan.json"
    code = cli.main(["plan", str(FIXTURE), "--var", "region=eu-west-2", "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Plan: 8 to add" in printed and f"Plan JSON written to {out}" in printed
    plan = harness.Plan(json.loads(out.read_text()))
    assert {r.region for r in plan.resources() if r.type != "aws_iam_role"} == {"eu-west-2"}
    assert plan.resource("aws_iam_role.lambda").values["name"] == "harness-lambda-eu-west-2"


def test_cli_plan_exits_non_zero_with_terraforms_message(tmp_path, capsys):
    work = _broken_copy(tmp_path, r"receive_wait_time_seconds\b", "receive_wait_time_second")
    code = cli.main(["plan", str(work)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Unsupported argument" in err and "receive_wait_time_second" in err
    assert f"{work} did not plan" in err


def test_as_applied_plans_resolve_identifiers_to_what_aws_would_assign(tmp_path):
    outcome = harness.try_plan(FIXTURE, as_applied=True)
    assert outcome.ok, outcome.output
    plan = outcome.plan
    assert plan.resource("aws_sqs_queue.this").values["arn"] == QUEUE_ARN
    assert plan.resource("aws_sqs_queue.this").values["url"] == (
        "https://sqs.eu-west-1.amazonaws.com/123456789012/harness-queue"
    )
    target = plan.resource("aws_cloudwatch_event_target.sqs").values
    # References between resources now resolve, as after an apply.
    assert target["arn"] == QUEUE_ARN
    assert target["dead_letter_config"] == [{"arn": "arn:aws:sqs:eu-west-1:123456789012:harness-dlq"}]
    assert plan.resource("aws_cloudwatch_event_rule.oauth").values["arn"] == RULE_ARN


def _comparable(plan: harness.Plan) -> dict[str, object]:
    # Data sources are read concurrently: their "Reading..." progress lines come in any order.
    progress = re.compile(r"^data\.\S+: (Reading\.\.\.|Read complete after .*)$")
    return {
        "planned_values": plan.raw["planned_values"],
        "prior_state": plan.raw.get("prior_state"),
        "resource_changes": plan.raw["resource_changes"],
        "human": [line for line in plan.human.splitlines() if not progress.match(line)],
    }


def test_reattached_stand_in_plans_exactly_like_one_terraform_starts(fixture_plan, monkeypatch):
    monkeypatch.setenv(harness.REATTACH_ENV, "0")
    started_by_terraform = harness.plan(FIXTURE)
    assert _comparable(started_by_terraform) == _comparable(fixture_plan)
    # ...including archive_file's paths, which are relative to Terraform's working directory.
    assert fixture_plan.data_sources("archive_file")[0].values["output_size"] > 0


def test_one_stand_in_serves_successive_plans_from_their_own_directories(tmp_path):
    for index, region in enumerate(("ca-central-1", "ap-southeast-2")):
        work = tmp_path / f"w{index}"
        work.mkdir()
        (work / "src").mkdir()
        (work / "src" / "app.py").write_text(f"REGION = {region!r}\n")
        (work / "main.tf").write_text(
            f'provider "aws" {{\n  region = "{region}"\n}}\n'
            'data "archive_file" "z" {\n  type        = "zip"\n  source_dir  = "${path.module}/src"\n'
            '  output_path = "${path.module}/.build/z.zip"\n}\n'
            'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
        )
        plan = harness.plan(work)
        assert plan.resource("aws_sqs_queue.q").region == region  # configured anew for each plan
        assert plan.data_sources("archive_file")[0].values["output_size"] > 0
    servers = [s for s in harness._servers.values() if s.alive()]
    assert servers, "plans did not reattach to a running stand-in"


def test_provider_aliases_get_one_stand_in_each(tmp_path):
    # One reattached process would serve both configurations of the provider (the last configured
    # would win); with aliases the harness lets Terraform start one stand-in per configuration.
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n  default_tags {\n    tags = { Side = "default" }\n  }\n}\n'
        'provider "aws" {\n  alias  = "us"\n  region = "us-east-1"\n'
        '  default_tags {\n    tags = { Side = "us" }\n  }\n}\n'
        'resource "aws_sqs_queue" "eu" {\n  name = "eu"\n}\n'
        'resource "aws_sqs_queue" "us" {\n  provider = aws.us\n  name     = "us"\n}\n'
    )
    plan = harness.plan(tmp_path)
    assert plan.resource("aws_sqs_queue.eu").values["tags_all"] == {"Side": "default"}
    assert plan.resource("aws_sqs_queue.us").values["tags_all"] == {"Side": "us"}
    assert plan.resource("aws_sqs_queue.eu").region == "eu-west-1"
    assert plan.resource("aws_sqs_queue.us").region == "us-east-1"


def test_the_plan_cache_reuses_a_plan_only_while_nothing_it_depends_on_changed(tmp_path, monkeypatch):
    monkeypatch.setenv(harness.PLAN_CACHE_ENV, str(tmp_path / "cache"))
    work = tmp_path / "work"
    work.mkdir()
    main = work / "main.tf"
    main.write_text(
        'variable "name" {\n  type = string\n}\nprovider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = var.name\n}\n'
    )

    def planned(**variables):
        outcome = harness.try_plan(work, variables)
        assert outcome.ok, outcome.output
        return outcome

    first = planned(name="a")
    assert "init" in first.steps
    again = planned(name="a")
    assert "cached" in again.steps and again.plan.raw == first.plan.raw and again.plan.human == first.plan.human
    assert "cached" not in planned(name="b").steps  # other variables
    monkeypatch.setenv("GENESYS_AUDIT_STANDIN_ACCOUNT_ID", "210987654321")
    assert "cached" not in planned(name="a").steps  # other environment
    monkeypatch.delenv("GENESYS_AUDIT_STANDIN_ACCOUNT_ID")
    later = main.stat().st_mtime_ns + 10**9
    os.utime(main, ns=(later, later))
    assert "cached" not in planned(name="a").steps  # a touched file
    main.write_text(main.read_text().replace("var.name", '"${var.name}-x"'))
    changed = planned(name="a")
    assert "cached" not in changed.steps
    assert changed.plan.resource("aws_sqs_queue.q").values["name"] == "a-x"
    monkeypatch.delenv(harness.PLAN_CACHE_ENV)
    assert "cached" not in planned(name="a").steps  # no cache unless asked for
