"""modules/genesys-integration planned offline with the genesyscloud stand-in: the EventBridge source
integration's properties, the partner source name, a disabled call, and every refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

FIXTURE = Path(__file__).parent / "fixtures" / "genesys_integration"
ORG = "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"


@pytest.fixture(scope="module")
def plan(tf_plan: Any) -> Any:
    return tf_plan(FIXTURE)


def test_one_integration_per_enabled_call_and_nothing_for_the_disabled_one(plan: Any) -> None:
    integrations = {r.address: r for r in plan.resources("genesyscloud_integration")}
    assert sorted(integrations) == [
        "module.eu.genesyscloud_integration.this[0]",
        "module.org_from_provider.genesyscloud_integration.this[0]",
    ]
    assert [r.address for r in plan.resources() if (r.module_address or "").startswith("module.disabled")] == []
    assert [d.address for d in plan.data_sources() if d.address.startswith("module.disabled")] == []
    assert plan.outputs["disabled"] == [None, None, None]
    # The org id is read from the provider only when it is not given.
    assert [d.address for d in plan.data_sources("genesyscloud_organizations_me")] == [
        "module.org_from_provider.data.genesyscloud_organizations_me.this[0]"
    ]


def test_the_integration_is_the_amazon_eventbridge_source_with_its_four_properties(plan: Any) -> None:
    eu = plan.resource("module.eu.genesyscloud_integration.this[0]")
    assert eu.values["integration_type"] == "amazon-eventbridge-source"
    assert eu.values["intended_state"] == "ENABLED"
    [config] = eu.values["config"]
    assert json.loads(config["properties"]) == {
        "awsAccountId": "012345678901",
        "awsAccountRegion": "eu-central-1",
        "eventSourceSuffix": "audit-events.eu_central-1",
        "eventFilter": ["v2.audits.entitytype.{id}.entityid.{id}"],
    }
    assert json.loads(config["advanced"]) == {}
    assert config["name"] == "Genesys audit to Amazon EventBridge (eu-central-1)"
    assert config["notes"].startswith("Managed by Terraform (genesys-audit-eventbridge)")
    us = plan.resource("module.org_from_provider.genesyscloud_integration.this[0]")
    assert us.values["intended_state"] == "DISABLED"
    [us_config] = us.values["config"]
    assert us_config["name"] == "Audit to AWS (US)"
    assert json.loads(us_config["properties"])["eventFilter"] == [
        "v2.audits.entitytype.{id}.entityid.{id}",
        "v2.users.{id}.presence",
    ]


def test_outputs_the_exact_partner_source_name_the_event_bus_binds_to(plan: Any) -> None:
    eu = plan.outputs["eu"]
    assert eu["partner_event_source_name"] == f"aws.partner/genesys.com/cloud/{ORG}/audit-events.eu_central-1"
    assert eu["properties"]["awsAccountId"] == "012345678901"  # a string: leading zeros kept
    # From the provider's org (the stand-in answers a placeholder id; the real provider the org's UUID).
    assert plan.outputs["org_from_provider"] == (
        "aws.partner/genesys.com/cloud/standin-genesyscloud_organizations_me-id/audit"
    )


VALID = {
    "genesys_region": '"mypurecloud.ie"',
    "genesys_org_id": f'"{ORG}"',
    "aws_account_id": '"012345678901"',
    "aws_region": '"eu-west-1"',
    "event_source_suffix": '"audit-events"',
    "data_residency": '"EU"',
}
INVALID = {
    "genesys_region": ('"mypurecloud.example"', "genesys_region must be the domain of the org's login URL"),
    "genesys_org_id": ('"ORG-1"', "genesys_org_id must be the org's UUID"),
    "aws_account_id": ('"12345678901"', "aws_account_id must be the 12-digit AWS account id"),
    "aws_region": ('"Frankfurt"', 'aws_region must be an AWS region code such as "eu-central-1"; got "Frankfurt"'),
    "event_source_suffix": ('"audit events"', "event_source_suffix must be 1-64 characters of A-Z, a-z, 0-9"),
    "event_filter": ("[]", "event_filter must list at least one notification topic pattern"),
    "data_residency": (
        '"MOON"',
        'data_residency must be one of AU, BR, CA, CH, EU, EUROPE, IN, JP, UK, US, US_GOV, ANY; got "MOON"',
    ),
    "intended_state": ('"ON"', 'intended_state must be "ENABLED" or "DISABLED"; got "ON"'),
}


def test_every_validation_names_the_fix(tf_module_refusals: Any) -> None:
    output = tf_module_refusals("genesys-integration", VALID, {k: v for k, (v, _) in INVALID.items()})
    for variable, (_, message) in INVALID.items():
        assert message in output, f"{variable}: {message!r} not reported"


def test_a_65_character_suffix_is_refused(tf_module_refusals: Any) -> None:
    output = tf_module_refusals("genesys-integration", VALID, {"event_source_suffix": '"' + "a" * 65 + '"'})
    assert "event_source_suffix must be 1-64 characters" in output and f'got "{"a" * 65}"' in output


def test_data_residency_refuses_either_side_outside_the_boundary(tf_module_refusals: Any) -> None:
    output = tf_module_refusals(
        "genesys-integration", VALID, {"aws_region": '"us-east-1"', "genesys_region": '"mypurecloud.com"'}
    )
    assert 'data_residency = "EU" does not allow AWS region "us-east-1"' in output
    assert 'data_residency = "EU" does not allow Genesys region "mypurecloud.com"' in output
    # Each call breaks one side only, so each message comes from its own call.
    assert output.count("does not allow AWS region") == 1 and output.count("does not allow Genesys region") == 1
