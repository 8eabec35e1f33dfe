"""Queue consumer handler in moto: DynamoDB idempotency, partial batch failures, watched-property checks."""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"
TABLE = "genesys-audit-consumer-idempotency"
QUEUE_ARN = "arn:aws:sqs:eu-central-1:123456789012:genesys-audit-detections"


def body(name: str) -> str:
    return (EVENTS / name).read_text()


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "rh",
                "body": b,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
                "awsRegion": "eu-central-1",
            }
            for b in bodies
        ]
    }


@dataclass
class ConsumerHarness:
    module: Any
    context: Any
    caplog: pytest.LogCaptureFixture

    def invoke(self, event: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
        """(failed message ids, findings logged by the default sink)."""
        self.caplog.clear()
        response = self.module.handler(event, self.context)
        findings = [r.__dict__["finding"] for r in self.caplog.records if r.getMessage() == "genesys audit finding"]
        return [f["itemIdentifier"] for f in response["batchItemFailures"]], findings


@pytest.fixture
def consumer(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any, caplog: pytest.LogCaptureFixture
) -> Iterator[ConsumerHarness]:
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    monkeypatch.setenv("WATCHED_PROPERTIES", "divisionId,scopes,secret,permissionPolicies")
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        import consumer.handler as module

        yield ConsumerHarness(importlib.reload(module), lambda_context, caplog)


def test_findings_no_ops_and_a_bad_message_in_one_batch(consumer: ConsumerHarness) -> None:
    noop = json.loads(body("05_user_division_move.json"))
    noop["detail"]["eventBody"]["id"] = "noop-1"
    noop["detail"]["eventBody"]["propertyChanges"] = [
        {"property": "divisionId", "oldValues": ["d"], "newValues": ["d"]}
    ]
    event = sqs_event(
        body("05_user_division_move.json"),  # divisionId really changed: a watched finding
        json.dumps(noop),  # divisionId "changed" to the same value: dropped
        "{not json",  # returned to the queue, then dead-lettered by the redrive policy
        body("03_recording_delete.json"),  # no property changes: a finding
        json.dumps({"detail": {"eventBody": "wrong shape"}}),
    )
    ids = [r["messageId"] for r in event["Records"]]
    failed, findings = consumer.invoke(event)
    assert failed == [ids[2], ids[4]]
    division, recording = findings
    assert (division["entityType"], division["watchedChanges"]) == ("User", ["divisionId"])
    assert (recording["entityType"], recording["action"], recording["watchedChanges"]) == ("Recording", "Delete", [])
    assert division["auditId"] == json.loads(body("05_user_division_move.json"))["detail"]["eventBody"]["id"]


def test_redelivered_audit_ids_produce_one_finding(consumer: ConsumerHarness) -> None:
    first = sqs_event(body("18_role_create.json"), body("18_role_create.json"))
    failed, findings = consumer.invoke(first)
    assert failed == [] and [f["entityType"] for f in findings] == ["Role"]
    failed, findings = consumer.invoke(sqs_event(body("18_role_create.json")))  # SQS at-least-once redelivery
    assert failed == [] and findings == []


def test_a_failing_sink_fails_only_its_record_and_the_retry_emits_once(consumer: ConsumerHarness) -> None:
    calls: list[str] = []

    def flaky(item: dict[str, Any]) -> None:
        calls.append(item["auditId"])
        if item["entityType"] == "Webhook" and calls.count(item["auditId"]) == 1:
            raise ConnectionError("SIEM endpoint down")

    consumer.module.SINK = flaky
    event = sqs_event(body("24_webhook_create.json"), body("17_role_delete.json"))
    failed, _ = consumer.invoke(event)
    assert failed == [event["Records"][0]["messageId"]]
    failed, _ = consumer.invoke(sqs_event(body("24_webhook_create.json"), body("17_role_delete.json")))
    assert failed == []
    webhook_id = json.loads(body("24_webhook_create.json"))["detail"]["eventBody"]["id"]
    role_id = json.loads(body("17_role_delete.json"))["detail"]["eventBody"]["id"]
    assert calls == [webhook_id, role_id, webhook_id]  # the role was not handed over twice


def test_records_without_an_audit_id_are_still_processed(consumer: ConsumerHarness) -> None:
    evt = json.loads(body("17_role_delete.json"))
    del evt["detail"]["eventBody"]["id"]
    failed, findings = consumer.invoke(sqs_event(json.dumps(evt), json.dumps(evt)))
    assert failed == [] and len(findings) == 2  # nothing to dedupe on: both go to the SIEM


def test_odd_shapes_and_unnamed_changes_are_findings_not_failures_or_no_ops(consumer: ConsumerHarness) -> None:
    unnamed = json.loads(body("05_user_division_move.json"))
    unnamed["detail"]["eventBody"]["id"] = "unnamed-1"
    unnamed["detail"]["eventBody"]["propertyChanges"] = [
        {"property": "divisionId", "oldValues": ["d"], "newValues": ["d"]},  # a no-op...
        {"oldValues": ["queue-a"], "newValues": ["queue-b"]},  # ...next to a real change Genesys did not name
    ]
    odd = json.loads(body("24_webhook_create.json"))
    odd["detail"]["eventBody"]["propertyChanges"] = True
    odd["detail"]["eventBody"]["entity"]["name"] = 5
    headers = json.loads(body("17_role_delete.json"))
    headers["detail"]["eventBody"]["propertyChanges"] = [
        {"property": "headers", "newValues": ["Authorization: Bearer sk-live-LEAKED-0123456789"]}
    ]
    failed, findings = consumer.invoke(sqs_event(json.dumps(unnamed), json.dumps(odd), json.dumps(headers)))
    assert failed == []
    assert [f["changedProperties"] for f in findings] == [["divisionId", "(unnamed property)"], [], ["headers"]]
    assert findings[0]["changes"][1] == "(unnamed property): queue-a -> queue-b"
    assert findings[1]["entity"] == {"id": odd["detail"]["eventBody"]["entity"]["id"], "name": None}
    assert "LEAKED" not in json.dumps(findings) and "Authorization: (redacted)" in findings[2]["changes"][0]
