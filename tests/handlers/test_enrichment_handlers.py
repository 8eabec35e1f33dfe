"""The alert and consumer handlers with enrichment, in moto (SNS -> SQS tap, DynamoDB, Secrets Manager), the
fake Genesys API and real HTTP receivers for Slack and Teams, all on 127.0.0.1."""

from __future__ import annotations

import importlib
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genesys_audit_tools.simulate.fake_genesys import (
    ACTOR_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGenesys,
    sample_directory,
    serve,
)
from genesys_audit_tools.simulate.receivers import Receiver

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"
TABLE = "genesys-audit-enrichment-idempotency"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def _table(name: str) -> None:
    import boto3

    boto3.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


# Where the budget is not what a test checks: generous, so a loaded machine still resolves every name.
RESOLVE_BUDGET_MS = 10_000


def _enrichment_env(monkeypatch: pytest.MonkeyPatch, genesys: FakeGenesys, budget_ms: int) -> None:
    import boto3

    arn = boto3.client("secretsmanager").create_secret(
        Name="genesys-enrichment", SecretString=json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    )["ARN"]
    monkeypatch.setenv("GENESYS_ENRICHMENT_ENABLED", "true")
    monkeypatch.setenv("GENESYS_CREDENTIALS_SECRET_ARN", arn)
    monkeypatch.setenv("GENESYS_REGION", "mypurecloud.ie")
    monkeypatch.setenv("GENESYS_API_BASE_URL", genesys.url)
    monkeypatch.setenv("ENRICHMENT_BUDGET_MS", str(budget_ms))
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    _table(TABLE)
    from genesys_audit.secrets import clear_cache

    clear_cache()


@pytest.fixture
def genesys() -> Iterator[FakeGenesys]:
    """The project's fake Genesys API on 127.0.0.1, serving the sample directory."""
    with serve(FakeGenesys(directory=sample_directory())) as fake:
        yield fake


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def _alert_module(monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> tuple[Any, Any, str]:
    import boto3

    sns, sqs, secrets = boto3.client("sns"), boto3.client("sqs"), boto3.client("secretsmanager")
    topic = sns.create_topic(Name="genesys-audit-alert")["TopicArn"]
    tap = sqs.create_queue(QueueName="alert-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=tap_arn)
    for name, path in (("SLACK_SECRET_ARN", "/slack/services/T0/B0/X"), ("TEAMS_SECRET_ARN", "/teams/workflows/a")):
        arn = secrets.create_secret(Name=name.lower(), SecretString=json.dumps({"url": receiver.base_url + path}))
        monkeypatch.setenv(name, arn["ARN"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", topic)
    import alert.handler as module

    return importlib.reload(module), sqs, tap


def _published(sqs: Any, tap: str) -> list[dict[str, Any]]:
    msgs = sqs.receive_message(QueueUrl=tap, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in msgs]


def _payload(name: str) -> dict[str, Any]:
    return {"rule": "user-division-move", "severity": "HIGH", "title": "User moved", "event": event(name)}


def test_alert_names_the_actor_on_every_channel_and_escapes_a_hostile_name(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any, receiver: Receiver,
    genesys: FakeGenesys,
) -> None:
    from moto import mock_aws

    genesys.directory[f"/api/v2/users/{ACTOR_ID}"]["title"] = "<!here> *boss*"
    with mock_aws():
        _enrichment_env(monkeypatch, genesys, RESOLVE_BUDGET_MS)
        module, sqs, tap = _alert_module(monkeypatch, receiver)
        result = module.handler(_payload("05_user_division_move.json"), lambda_context)
        assert result["status"] == "sent", result
        assert result["subject"] == "HIGH: User [b2c3d4e5-2222-4b4b-9c9c-000000000002] Update by user [Jane Doe]"
        [note] = _published(sqs, tap)
        assert note["Subject"] == result["subject"]
        assert "Jane Doe <jane.doe@example.com>" in note["Message"]
        assert "(Restricted - Finance)" in note["Message"] and "names unavailable" not in note["Message"]
    [slack] = [r.body for r in receiver.on("/slack")]
    [teams] = [r.body for r in receiver.on("/teams")]
    assert "<!here>" not in json.dumps(slack) and "&lt;!here&gt;" in json.dumps(slack)
    teams_facts = teams["attachments"][0]["content"]["body"][1]["facts"]
    who = next(f["value"] for f in teams_facts if f["title"] == "Who")
    assert "\\<\\!here\\> \\*boss\\*" in who and "Jane Doe" in who


def test_a_slow_genesys_delays_the_alert_by_the_budget_at_most(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any, receiver: Receiver,
    genesys: FakeGenesys,
) -> None:
    from moto import mock_aws

    genesys.directory_delay = 10.0
    with mock_aws():
        _enrichment_env(monkeypatch, genesys, 300)
        module, sqs, tap = _alert_module(monkeypatch, receiver)
        start = time.monotonic()
        result = module.handler(_payload("05_user_division_move.json"), lambda_context)
        elapsed = time.monotonic() - start
        assert result["status"] == "sent" and all(v.startswith("ok: ") for v in result["channels"].values())
        [note] = _published(sqs, tap)
    assert "Names:" in note["Message"] and "names unavailable: timed out; ids shown" in note["Message"]
    assert note["Subject"].endswith(f"by user [{ACTOR_ID}]")
    # budget 0.3 s against a server that answers after 10 s: the alert went out without waiting for it (the
    # margin covers moto, the idempotency writes and the local channels: ~0.2 s quiet, seconds on a loaded machine)
    assert elapsed < 0.3 + 4.0, elapsed


def test_finding_carries_names_and_a_note_when_they_are_unavailable(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any, genesys: FakeGenesys,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from moto import mock_aws

    def sqs_event(name: str) -> dict[str, Any]:
        return {"Records": [{
            "messageId": str(uuid.uuid4()), "receiptHandle": "rh", "body": (EVENTS / name).read_text(),
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:q",
            "awsRegion": "eu-central-1",
        }]}

    def findings() -> list[dict[str, Any]]:
        return [r.__dict__["finding"] for r in caplog.records if r.getMessage() == "genesys audit finding"]

    with mock_aws():
        _enrichment_env(monkeypatch, genesys, RESOLVE_BUDGET_MS)
        import consumer.handler as module

        module = importlib.reload(module)
        assert module.handler(sqs_event("05_user_division_move.json"), lambda_context)["batchItemFailures"] == []
        [found] = findings()
        assert found["names"]["status"] == "resolved"
        by_id = {item["id"]: item for item in found["names"]["resolved"]}
        assert by_id[ACTOR_ID]["name"] == "Jane Doe" and by_id[ACTOR_ID]["email"] == "jane.doe@example.com"
        assert by_id["2c3d4e5f-9999-4c9c-8d8d-000000000009"]["name"] == "Restricted - Finance"
        caplog.clear()
        genesys.forbid = True
        assert module.handler(sqs_event("04_role_member_add.json"), lambda_context)["batchItemFailures"] == []
        [refused] = findings()
        assert refused["names"]["status"] == "partial"  # both users come from the container's cache
        assert refused["names"]["note"] == "some names unavailable: HTTP 403 (missing permission); ids shown"
        assert [item["name"] for item in refused["names"]["resolved"]] == ["Jane Doe", "Sam Agent"]


def test_a_second_container_reads_the_names_from_the_idempotency_table(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any, receiver: Receiver,
    genesys: FakeGenesys,
) -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        _enrichment_env(monkeypatch, genesys, RESOLVE_BUDGET_MS)
        first, _, _ = _alert_module(monkeypatch, receiver)
        assert first.handler(_payload("05_user_division_move.json"), lambda_context)["status"] == "sent"
        reads = genesys.directory_reads()
        assert len(reads) == 4
        items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
        assert sum(i["id"]["S"].startswith("names#") for i in items) == 4
        import alert.handler as module

        second = importlib.reload(module)  # another container: its own token and memory cache
        again = _payload("05_user_division_move.json")
        again["event"]["detail"]["eventBody"]["id"] = "9e8d7c6b-0005-4f00-8a00-bb0000000005"  # another audit
        result = second.handler(again, lambda_context)
        assert result["status"] == "sent" and result["subject"].endswith("by user [Jane Doe]")
        assert genesys.directory_reads() == reads  # no second lookup in Genesys
