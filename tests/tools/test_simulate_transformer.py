"""EventBridge target input shaping, as the simulator applies it."""

from __future__ import annotations

import json

import pytest

from genesys_audit_tools.simulate.transformer import TargetInput, TransformError, json_path

EVENT = {
    "id": "e-1",
    "time": "2025-06-10T14:03:21Z",
    "detail-type": "v2.audits.entitytype.{id}.entityid.{id}",
    "detail": {
        "eventBody": {
            "id": "a-1",
            "entity": {"name": 'Prod "API" Key'},
            "remoteIp": ["198.51.100.23"],
            "count": 3,
        }
    },
}


def test_json_path_resolves_keys_indexes_and_quoted_keys():
    assert json_path(EVENT, "$.detail.eventBody.id") == "a-1"
    assert json_path(EVENT, "$.detail.eventBody.remoteIp[0]") == "198.51.100.23"
    assert json_path(EVENT, "$['detail-type']") == "v2.audits.entitytype.{id}.entityid.{id}"
    assert json_path(EVENT, "$.detail.missing.deeper") is None
    with pytest.raises(TransformError):
        json_path(EVENT, "detail.id")


def test_template_wraps_the_whole_event_with_rule_metadata():
    target = TargetInput(
        input_paths={"id": "$.detail.eventBody.id"},
        input_template='{"rule": "oauth_client_changes", "severity": "CRITICAL", "audit": "<id>", '
        '"event": <aws.events.event>}',
    )
    out = json.loads(target.apply(EVENT, rule_arn="arn:r", rule_name="r"))
    assert out == {"rule": "oauth_client_changes", "severity": "CRITICAL", "audit": "a-1", "event": EVENT}


def test_placeholders_inside_strings_are_text_and_outside_are_json():
    target = TargetInput(
        input_paths={
            "name": "$.detail.eventBody.entity.name",
            "n": "$.detail.eventBody.count",
            "ips": "$.detail.eventBody.remoteIp",
            "gone": "$.detail.nothing",
        },
        input_template='{"s": "<name> x<n>", "n": <n>, "ips": <ips>, "gone": <gone>, "g": "<gone>", '
        '"rule": "<aws.events.rule-name>"}',
    )
    out = json.loads(target.apply(EVENT, rule_arn="arn:r", rule_name="rule-1"))
    assert out == {
        "s": 'Prod "API" Key x3',
        "n": 3,
        "ips": ["198.51.100.23"],
        "gone": None,
        "g": "",
        "rule": "rule-1",
    }


def test_plain_input_and_input_path():
    assert TargetInput(input='{"fixed": true}').apply(EVENT, rule_arn="a", rule_name="r") == '{"fixed": true}'
    assert (
        json.loads(TargetInput(input_path="$.detail").apply(EVENT, rule_arn="a", rule_name="r"))
        == EVENT["detail"]
    )
    assert json.loads(TargetInput().apply(EVENT, rule_arn="a", rule_name="r")) == EVENT


def test_whole_event_inside_a_string_is_refused():
    with pytest.raises(TransformError):
        TargetInput(input_paths={}, input_template='"<aws.events.event>"').apply(
            EVENT, rule_arn="a", rule_name="r"
        )


def test_from_plan_reads_the_target_block():
    values = {
        "input": None,
        "input_path": None,
        "input_transformer": [{"input_paths": {"id": "$.id"}, "input_template": "<id>"}],
    }
    assert TargetInput.from_plan(values).apply(EVENT, rule_arn="a", rule_name="r") == '"e-1"'
