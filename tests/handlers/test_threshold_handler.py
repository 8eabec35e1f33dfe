"""Threshold Lambda end to end in moto (DynamoDB counting table, SNS topic with an SQS tap), real boto3 calls."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import pytest

TABLE = "genesys-audit-threshold"
THRESHOLD = {"count": 10, "window_minutes": 10, "group_by": "user"}


def failed_login(
    n: int, *, user: str = "u-victim", minute: int = 0, second: int = 0, ip: str = "203.0.113.7"
) -> dict[str, Any]:
    """An EventBridge event of a failed login of `user` at 12:`minute`:`second` UTC (audit id from `n`)."""
    return {
        "version": "0",
        "id": f"evt-{n}",
        "detail-type": "AUDIT",
        "source": "aws.partner/genesys.com/cloud/11111111-2222-3333-4444-555555555555/audit",
        "time": f"2026-12-01T12:{minute:02d}:{second:02d}Z",
        "region": "eu-central-1",
        "detail": {
            "topicName": "v2.audits.entitytype.AuthUser.entityid.x",
            "eventBody": {
                "id": f"a{n:07d}-0000-4000-8000-000000000000",
                "entityType": "AuthUser",
                "action": "AuthenticationFailed",
                "entity": {"id": user, "name": user},
                "userId": user,
                "remoteIp": [ip],
                "eventTime": f"2026-12-01T12:{minute:02d}:{second:02d}.000Z",
                "serviceName": "Directory",
                "level": "USER",
            },
        },
    }


def payload(
    evt: dict[str, Any], threshold: dict[str, Any] | None = None, rule: str = "failed-logins-burst"
) -> dict[str, Any]:
    return {
        "rule": rule,
        "severity": "HIGH",
        "title": "Failed logins burst for one user",
        "runbook_url": "https://runbooks.example.com/genesys#" + rule,
        "threshold": threshold or THRESHOLD,
        "event": evt,
    }


@dataclass
class Harness:
    module: Any
    sqs: Any
    tap_url: str
    dynamodb: Any
    context: Any

    def invoke(self, body: Any) -> dict[str, Any]:
        return self.module.handler(body, self.context)  # type: ignore[no-any-return]

    def published(self) -> list[dict[str, Any]]:
        out = []
        while msgs := self.sqs.receive_message(QueueUrl=self.tap_url, MaxNumberOfMessages=10).get("Messages", []):
            for msg in msgs:
                out.append(json.loads(msg["Body"]))
                self.sqs.delete_message(QueueUrl=self.tap_url, ReceiptHandle=msg["ReceiptHandle"])
        return out

    def counter(self, key: str) -> dict[str, Any]:
        item = self.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item", {})
        return item  # type: ignore[no-any-return]


@pytest.fixture
def harness(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> Iterator[Harness]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        sns, sqs, dynamodb = boto3.client("sns"), boto3.client("sqs"), boto3.client("dynamodb")
        topic = sns.create_topic(Name="genesys-audit-alert")["TopicArn"]
        tap_url = sqs.create_queue(QueueName="threshold-tap")["QueueUrl"]
        tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=tap_arn)
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        monkeypatch.setenv("ALERT_TOPIC_ARN", topic)
        monkeypatch.setenv("THRESHOLD_TABLE_NAME", TABLE)
        import threshold.handler as module

        yield Harness(importlib.reload(module), sqs, tap_url, dynamodb, lambda_context)


KEY = "c#failed-logins-burst#2026-12-01T12:00Z#u-victim"


def test_burst_at_threshold_alerts_once_naming_who_count_and_window(harness: Harness) -> None:
    results = [harness.invoke(payload(failed_login(n, second=n))) for n in range(15)]
    assert [r["status"] for r in results] == ["below"] * 9 + ["alerted"] + ["already-alerted"] * 5
    (message,) = harness.published()
    assert message["Subject"] == "HIGH: Failed logins burst for one user: 10 in 10 min by user u-victim"
    assert "Who:" in message["Message"] and "user u-victim" in message["Message"]
    assert "10 matching events (threshold 10 per user in 10 min)" in message["Message"]
    assert "2026-12-01T12:00Z to 2026-12-01T12:10Z (fixed 10-minute window, UTC)" in message["Message"]
    assert message["MessageAttributes"]["rule"]["Value"] == "failed-logins-burst"
    assert harness.counter(KEY)["n"] == {"N": "15"}


def test_below_threshold_never_alerts(harness: Harness) -> None:
    results = [harness.invoke(payload(failed_login(n))) for n in range(9)]
    assert {r["status"] for r in results} == {"below"}
    assert results[-1]["count"] == 9
    assert harness.published() == []


def test_duplicates_of_one_audit_id_count_once(harness: Harness) -> None:
    for _ in range(12):
        result = harness.invoke(payload(failed_login(1)))
    assert result["count"] == 1 and result["counted"] is False and result["status"] == "below"
    for n in range(2, 10):  # 9 distinct ids in all: still below
        harness.invoke(payload(failed_login(n)))
        harness.invoke(payload(failed_login(n)))
    assert harness.counter(KEY)["n"] == {"N": "9"}
    assert harness.published() == []
    assert harness.invoke(payload(failed_login(10)))["status"] == "alerted"
    assert len(harness.published()) == 1


@pytest.fixture
def serialized_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each write to an item atomically (a condition and its update are one step); moto
    does not lock across threads, so its item operations are serialized here as the service does."""
    import functools
    import threading

    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "transact_write_items", "get_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, functools.wraps(original)(locked))


@pytest.mark.usefixtures("serialized_dynamodb")
def test_concurrent_deliveries_count_exactly_and_alert_once(harness: Harness) -> None:
    # 40 distinct ids, each delivered three times, from 8 threads at once. Each thread stands for a Lambda
    # container running the handler's body: the telemetry wrapper is left out, because Powertools keeps one
    # invocation's metrics per container, and threads of one process would flush each other's.
    deliveries = [payload(failed_login(n)) for n in range(40) for _ in range(3)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda body: harness.module._handler(body, harness.context), deliveries))
    harness.module.metrics.clear_metrics()
    assert sum(r["counted"] for r in results) == 40
    assert harness.counter(KEY)["n"] == {"N": "40"}
    assert [r["status"] for r in results].count("alerted") == 1
    assert len(harness.published()) == 1


def test_failure_between_counting_and_alerting_alerts_on_the_retry_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(9):
        harness.invoke(payload(failed_login(n)))
    real = harness.module._send

    def broken(alert: Any) -> Any:
        raise RuntimeError("SNS unreachable")

    monkeypatch.setattr(harness.module, "_send", broken)
    with pytest.raises(RuntimeError, match="SNS unreachable"):
        harness.invoke(payload(failed_login(9)))  # the 10th: counted, then the send fails
    assert harness.counter(KEY)["n"] == {"N": "10"}
    assert harness.published() == []
    monkeypatch.setattr(harness.module, "_send", real)
    # EventBridge's retry of the failed delivery is a duplicate for counting, and sends the alert once.
    retry = harness.invoke(payload(failed_login(9)))
    assert retry["status"] == "alerted" and retry["counted"] is False and retry["count"] == 10
    assert harness.invoke(payload(failed_login(9)))["status"] == "already-alerted"
    assert harness.invoke(payload(failed_login(10)))["status"] == "already-alerted"
    (message,) = harness.published()
    assert "10 in 10 min" in message["Subject"]


def _stuck_claim(harness: Harness, until: int) -> None:
    """The window's alert claimed by an invocation that neither sent it nor released it (it died)."""
    harness.dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": KEY}},
        UpdateExpression="SET claimed_by = :who, claimed_until = :t",
        ExpressionAttributeValues={":who": {"S": "dead-invocation"}, ":t": {"N": str(until)}},
    )


def test_alert_claimed_by_a_live_invocation_fails_for_retry_then_an_expired_claim_is_taken_over(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from genesys_audit.threshold.counting import AlertPending

    for n in range(9):
        harness.invoke(payload(failed_login(n)))
    _stuck_claim(harness, int(time.time()) + 600)
    monkeypatch.setattr(harness.module, "SETTINGS", replace(harness.module.SETTINGS, claim_wait_ms=300))
    with pytest.raises(AlertPending, match="claimed by another invocation"):
        harness.invoke(payload(failed_login(9)))  # counted, alert pending elsewhere: retried, not dropped
    assert harness.published() == []
    _stuck_claim(harness, 1)  # that claim has run out
    retry = harness.invoke(payload(failed_login(9)))
    assert retry["status"] == "alerted" and retry["counted"] is False
    assert len(harness.published()) == 1


def test_groups_are_counted_separately(harness: Harness) -> None:
    for n in range(18):
        harness.invoke(payload(failed_login(n, user="u-a" if n % 2 else "u-b")))
    assert harness.counter("c#failed-logins-burst#2026-12-01T12:00Z#u-a")["n"] == {"N": "9"}
    assert harness.counter("c#failed-logins-burst#2026-12-01T12:00Z#u-b")["n"] == {"N": "9"}
    assert harness.published() == []
    by_ip = {"count": 3, "window_minutes": 10, "group_by": "source_ip"}
    for n, ip in enumerate(["198.51.100.1", "198.51.100.2", "198.51.100.1", "198.51.100.1"]):
        harness.invoke(payload(failed_login(100 + n, user=f"u-{n}", ip=ip), by_ip, rule="spray"))
    (message,) = harness.published()
    assert "by source IP 198.51.100.1" in message["Subject"]


def test_windows_roll_and_alert_again(harness: Harness) -> None:
    # 9 at 12:09 and 9 at 12:10: 18 within two minutes, but neither fixed window reaches 10.
    for n in range(18):
        harness.invoke(payload(failed_login(n, minute=9 if n < 9 else 10, second=n)))
    assert harness.published() == []
    # 10 in the 12:20 window alert, then 10 in the 12:30 window alert again.
    for n in range(20):
        harness.invoke(payload(failed_login(100 + n, minute=20 + (n // 10) * 10)))
    subjects = [m["Message"] for m in harness.published()]
    assert len(subjects) == 2
    assert "2026-12-01T12:20Z to 2026-12-01T12:30Z" in subjects[0]
    assert "2026-12-01T12:30Z to 2026-12-01T12:40Z" in subjects[1]


def test_actor_group_names_the_oauth_client(harness: Harness) -> None:
    by_actor = {"count": 2, "window_minutes": 15, "group_by": "actor"}
    for n in range(2):
        evt = failed_login(n, user=f"user-{n}")
        body = evt["detail"]["eventBody"]
        body.update(entityType="User", action="Deactivate", clientId={"id": "c-robot"})
        del body["userId"]
        harness.invoke(payload(evt, by_actor, rule="user-deactivate-burst"))
    (message,) = harness.published()
    assert message["Subject"].endswith("2 in 15 min by OAuth client c-robot")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json object", "must be a JSON object"),
        ({"rule": "r", "threshold": THRESHOLD, "event": {"detail": {}}}, "no detail.eventBody"),
        ({"threshold": THRESHOLD, "event": failed_login(1)}, "has no 'rule'"),
        ({"rule": "r", "event": failed_login(1)}, "no 'threshold' object"),
        ({"rule": "r", "threshold": {**THRESHOLD, "count": 0}, "event": failed_login(1)}, "threshold.count"),
        ({"rule": "r", "threshold": {**THRESHOLD, "window_minutes": 5000}, "event": failed_login(1)}, "window_minutes"),
        (
            {"rule": "r", "threshold": {**THRESHOLD, "group_by": "x"}, "event": failed_login(1)},
            "group_by must be one of",
        ),
    ],
)
def test_bad_input_raises_a_clear_error(harness: Harness, body: Any, message: str) -> None:
    from genesys_audit.threshold.counting import ThresholdInputError

    with pytest.raises(ThresholdInputError, match=message):
        harness.invoke(body)


def test_event_without_a_time_raises(harness: Harness) -> None:
    from genesys_audit.threshold.counting import ThresholdInputError

    evt = failed_login(1)
    del evt["detail"]["eventBody"]["eventTime"]
    del evt["time"]
    with pytest.raises(ThresholdInputError, match="no valid eventTime"):
        harness.invoke(payload(evt))


def test_dynamodb_failure_raises_for_retry(harness: Harness) -> None:
    from genesys_audit.threshold.counting import CountingUnavailable

    harness.dynamodb.delete_table(TableName=TABLE)
    with pytest.raises(CountingUnavailable, match="cannot count"):
        harness.invoke(payload(failed_login(1)))
