"""A path that is off takes `null` for what only the path needs (no placeholder ARNs or hosts)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

REPO = Path(__file__).resolve().parents[2]
ROOT_MAIN = REPO / "main.tf"
# Each module with create = false and nothing but its account and region (and the bus its writers would put on);
# the bus-reading modules get a null bus name, as the root gives them when the pipeline is off.
DISABLED = {
    "splunk-firehose": {},
    "queue-consumer": {},
    "webhook-ingestion": {"event_bus_name": '"genesys-audit-webhook"'},
    "genesys-backfill": {"event_bus_name": '"genesys-audit-webhook"'},
    "audit-rules": {
        "event_bus_name": "null",
        "destinations": '{ trail = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/events/t" } }',
    },
    "monitoring": {"event_bus_name": "null", "rule_names": '["genesys-audit-oauth-client-delete"]',
                   "dead_letter_queue_names": "[]"},
    "hunting": {"dashboard": "{ enabled = true, event_bus_name = null }"},
    "event-bus": {},  # a partner bus with no partner event source: nothing to name
    "sqs-queue": {"name": '"genesys-audit-detections"'},
}


def _takes(module: str, variable: str) -> bool:
    return f'variable "{variable}"' in (REPO / "modules" / module / "variables.tf").read_text()


def test_disabled_modules_take_null_and_plan_nothing(tf_plan: Any, tmp_path: Path) -> None:
    shutil.copytree(REPO / "modules", tmp_path / "modules")
    shutil.copy(REPO / "residency.json", tmp_path / "residency.json")
    shutil.copytree(REPO / "lambda_src", tmp_path / "lambda_src", ignore=shutil.ignore_patterns("__pycache__"))
    calls = ['provider "aws" {\n  region = "eu-west-1"\n}\n']
    for module, arguments in DISABLED.items():
        body = "\n".join(
            f"  {k} = {v}"
            for k, v in {
                "create": "false",
                "region": '"eu-west-1"',
                **({"account_id": '"123456789012"'} if _takes(module, "account_id") else {}),
                **arguments,
            }.items()
        )
        calls.append(f'module "{module.replace("-", "_")}" {{\n  source = "../modules/{module}"\n{body}\n}}\n')
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "main.tf").write_text("\n".join(calls))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    plan = tf_plan(tmp_path / "root")
    assert plan.resources() == []


def test_an_enabled_path_still_refuses_null_with_the_fix(tf_module_refusals: Any) -> None:
    output = tf_module_refusals(
        "splunk-firehose",
        {"region": '"eu-west-1"', "account_id": '"123456789012"', "hec_token_secret_arn": "null"},
        {"hec_endpoint": "null"},
    )
    example = "https://http-inputs-firehose-acme.splunkcloud.com:443"
    assert f'hec_endpoint must be an https:// URL such as "{example}"; got null.' in output
    assert "hec_token_secret_arn must be a Secrets Manager secret ARN" in output
    output = tf_module_refusals(
        "queue-consumer",
        {
            "region": '"eu-west-1"',
            "account_id": '"123456789012"',
            "queue_arn": '"arn:aws:sqs:eu-west-1:123456789012:genesys-audit-detections"',
        },
        {"queue_kms_key_arn": "null"},
    )
    assert "queue_kms_key_arn must be the ARN of the KMS key encrypting the queue (the root module's key)" in output
    output = tf_module_refusals("audit-rules", {"region": '"eu-west-1"', "account_id": '"123456789012"'},
                                {"event_bus_name": "null"})
    assert "event_bus_name is required: the name of the Genesys partner bus or the custom webhook bus" in output
    output = tf_module_refusals("event-bus", {"region": '"eu-west-1"', "account_id": '"123456789012"'},
                                {"event_source_suffix": "null"})
    assert 'A partner bus (bus_type = "partner") needs its partner event source: partner_event_source_name' in output


def test_every_module_takes_account_and_partition_from_the_root() -> None:
    """One convention: the root reads the caller identity and partition once and passes `account_id` and
    `partition` to every module that builds ARNs; no module reads them itself or falls back to a fake account."""
    for module in sorted((REPO / "modules").iterdir()):
        code = "\n".join(f.read_text() for f in module.glob("*.tf"))
        assert 'data "aws_caller_identity"' not in code and 'data "aws_partition"' not in code, module.name
        assert "000000000000" not in code, module.name
        if "${var.account_id}" in code or "var.account_id" in code:
            assert 'variable "account_id"' in code and 'variable "partition"' in code, module.name
    calls = re.findall(
        r'^module "([^"]+)" \{\n  source = "\./modules/([^"]+)"\n(.*?)^\}', ROOT_MAIN.read_text(), re.M | re.S
    )
    assert len(calls) == ROOT_MAIN.read_text().count('source = "./modules/'), [c[0] for c in calls]
    for name, source, body in calls:
        variables = (REPO / "modules" / source / "variables.tf").read_text()
        for variable in ("account_id", "partition"):
            if f'variable "{variable}"' in variables:
                assert re.search(rf"^  {variable}\s+= local\.{variable}$", body, re.M), (name, variable)
