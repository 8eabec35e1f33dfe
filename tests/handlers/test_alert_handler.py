"""Alert handler end to end in moto (SNS -> SQS tap, DynamoDB idempotency, Secrets Manager) with real HTTP
receivers on 127.0.0.1 standing in for Slack, Teams and PagerDuty."""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from genesys_audit_tools.simulate.receivers import Receiver

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"
TABLE = "genesys-audit-alert-idempotency"
SUBJECT_01 = "CRITICAL: OAuthClient [Legacy Reporting Cl...] Delete by user [a1b2c3d4-1111-4a4a-8b8b-000000000001]"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def alert_input(evt: dict[str, Any], rule: str = "oauth-client-delete", severity: str = "CRITICAL") -> dict[str, Any]:
    return {
        "rule": rule,
        "severity": severity,
        "title": "OAuth client deleted",
        "runbook_url": "https://runbooks.example.com/genesys#" + rule,
        "event": evt,
    }


@dataclass
class AlertHarness:
    module: Any
    receiver: Receiver
    sqs: Any
    tap_url: str
    dynamodb: Any
    context: Any

    def invoke(self, payload: Any) -> dict[str, Any]:
        return self.module.handler(payload, self.context)  # type: ignore[no-any-return]

    def published(self) -> list[dict[str, Any]]:
        """SNS notifications that reached the topic's SQS tap (Subject, Message, MessageAttributes)."""
        out = []
        while msgs := self.sqs.receive_message(QueueUrl=self.tap_url, MaxNumberOfMessages=10).get("Messages", []):
            for msg in msgs:
                out.append(json.loads(msg["Body"]))
                self.sqs.delete_message(QueueUrl=self.tap_url, ReceiptHandle=msg["ReceiptHandle"])
        return out

    def chat(self) -> dict[str, list[Any]]:
        return {name: [r.body for r in self.receiver.on(f"/{name}")] for name in ("slack", "teams", "pagerduty")}


def _start(monkeypatch: pytest.MonkeyPatch, context: Any, receiver: Receiver, **env: str) -> AlertHarness:
    import boto3

    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="genesys-audit-alert")["TopicArn"]
    tap_url = sqs.create_queue(QueueName="alert-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=tap_arn)
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    secrets = boto3.client("secretsmanager")
    base = receiver.base_url
    values = {
        "SLACK_SECRET_ARN": {"url": f"{base}/slack/services/T000/B000/XXXX"},
        "TEAMS_SECRET_ARN": {"url": f"{base}/teams/workflows/abc"},
        "PAGERDUTY_SECRET_ARN": {"routing_key": "R0UT1NGKEY", "url": f"{base}/pagerduty/v2/enqueue"},
    }
    for name, value in values.items():
        arn = secrets.create_secret(Name=name.lower(), SecretString=json.dumps(value))["ARN"]
        monkeypatch.setenv(name, arn)
    monkeypatch.setenv("ALERT_TOPIC_ARN", topic)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from genesys_audit.secrets import clear_cache

    clear_cache()
    import alert.handler as module

    return AlertHarness(importlib.reload(module), receiver, sqs, tap_url, dynamodb, context)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def harness(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any, receiver: Receiver
) -> Iterator[AlertHarness]:
    from moto import mock_aws

    with mock_aws():
        yield _start(monkeypatch, lambda_context, receiver)


def test_alert_reaches_sns_slack_teams_and_pagerduty(harness: AlertHarness) -> None:
    evt = event("01_oauthclient_delete.json")
    result = harness.invoke(alert_input(evt))
    assert result["status"] == "sent" and result["subject"] == SUBJECT_01
    assert set(result["channels"]) == {"sns", "slack", "teams", "pagerduty"}
    assert all(v.startswith("ok: ") for v in result["channels"].values()), result
    [note] = harness.published()
    assert note["Subject"] == SUBJECT_01
    assert note["Message"].startswith(SUBJECT_01 + "\n\nRule:") and "Runbook: https://runbooks" in note["Message"]
    assert note["MessageAttributes"]["severity"] == {"Type": "String", "Value": "CRITICAL"}
    chat = harness.chat()
    assert [m["text"] for m in chat["slack"]] == [SUBJECT_01]
    teams_subject = SUBJECT_01.replace("[", "\\[").replace("]", "\\]")  # Markdown shown literally
    assert chat["teams"][0]["attachments"][0]["content"]["body"][0]["text"] == teams_subject
    [page] = chat["pagerduty"]
    assert (page["routing_key"], page["dedup_key"], page["payload"]["severity"]) == (
        "R0UT1NGKEY",
        evt["detail"]["eventBody"]["id"] + "/oauth-client-delete",
        "critical",
    )


def test_duplicate_deliveries_alert_once(harness: AlertHarness) -> None:
    evt = event("01_oauthclient_delete.json")
    again = copy.deepcopy(evt)
    again["id"] = "another-eventbridge-id"  # an EventBridge or Genesys retry: same audit id, new envelope
    first, second, third = (harness.invoke(alert_input(e)) for e in (evt, again, evt))
    assert [first["status"], second["status"], third["status"]] == ["sent", "duplicate", "duplicate"]
    assert second["channels"] == first["channels"]
    assert len(harness.published()) == 1
    assert {k: len(v) for k, v in harness.chat().items()} == {"slack": 1, "teams": 1, "pagerduty": 1}
    [item] = harness.dynamodb.scan(TableName=TABLE)["Items"]
    assert item["status"]["S"] == "COMPLETED" and item["id"]["S"].startswith("alert#")
    assert int(item["expiration"]["N"]) > 4 * 24 * 3600  # remembered beyond Genesys's 4 days of retries


def test_a_failing_channel_does_not_stop_the_others(harness: AlertHarness, capsys: pytest.CaptureFixture[str]) -> None:
    harness.receiver.fail_next("/slack", 500, 500)  # both attempts fail
    harness.receiver.fail_next("/teams", 429)  # throttled once, then accepted on the retry
    result = harness.invoke(alert_input(event("01_oauthclient_delete.json")))
    assert result["status"] == "sent"
    assert result["channels"]["slack"] == "failed: failed after 2 attempts: HTTP 500"
    assert result["channels"]["teams"].startswith("ok: ")
    assert len(harness.receiver.on("/teams")) == 2 and len(harness.published()) == 1
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(m.get("AlertChannelFailures") == [1.0] or m.get("AlertChannelFailures") == 1.0 for m in metrics)


def test_when_no_channel_works_the_invocation_fails_and_a_retry_alerts(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any, receiver: Receiver
) -> None:
    from moto import mock_aws

    from genesys_audit.alerting.service import NoChannelDelivered

    with mock_aws():
        harness = _start(
            monkeypatch, lambda_context, receiver, ALERT_TOPIC_ARN="arn:aws:sns:eu-central-1:123456789012:missing-topic"
        )
        for path in ("/slack", "/teams", "/pagerduty"):
            receiver.fail_next(path, 503, 503)
        payload = alert_input(event("01_oauthclient_delete.json"))
        with pytest.raises(NoChannelDelivered) as failure:
            harness.invoke(payload)
        assert set(failure.value.details) == {"sns", "slack", "teams", "pagerduty"}
        assert harness.dynamodb.scan(TableName=TABLE)["Items"] == []  # nothing remembered: the retry runs
        result = harness.invoke(payload)  # EventBridge's retry: chat channels are back
        assert result["status"] == "sent"
        assert result["channels"]["sns"].startswith("failed: SNS publish failed")
        assert {k: len(v) for k, v in harness.chat().items()} == {"slack": 3, "teams": 3, "pagerduty": 3}


def test_replays_are_skipped_when_asked(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lambda_context: Any, receiver: Receiver
) -> None:
    from moto import mock_aws

    with mock_aws():
        harness = _start(monkeypatch, lambda_context, receiver, ALERT_SKIP_REPLAYS="true")
        evt = event("01_oauthclient_delete.json") | {"replay-name": "trail-replay-2026-11-24"}
        assert harness.invoke(alert_input(evt)) == {"status": "skipped", "reason": "replay trail-replay-2026-11-24"}
        assert harness.published() == [] and harness.receiver.requests == []
        assert harness.invoke(alert_input(event("01_oauthclient_delete.json")))["status"] == "sent"


def test_replays_alert_by_default_and_say_so(harness: AlertHarness) -> None:
    evt = event("02_oauthclient_update_secret.json") | {"replay-name": "r-1"}
    assert harness.invoke(evt)["status"] == "sent"  # a bare event works too
    [note] = harness.published()
    assert "Replay:" in note["Message"] and "r-1 (re-sent from the EventBridge archive)" in note["Message"]
    assert note["Subject"].startswith("HIGH: OAuthClient [Billing Sync Integration] Update by user [")


def test_bad_input_fails_the_invocation(harness: AlertHarness) -> None:
    from genesys_audit.alerting.message import AlertInputError

    with pytest.raises(AlertInputError, match="no detail"):
        harness.invoke({"rule": "x", "severity": "HIGH", "event": {"detail-type": "Scheduled Event"}})
    assert harness.published() == [] and harness.receiver.requests == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALERT_TOPIC_ARN": ""}, "ALERT_TOPIC_ARN is required"),
        ({"ALERT_TOPIC_ARN": "alerts"}, "ALERT_TOPIC_ARN must be an SNS topic ARN"),
        ({"IDEMPOTENCY_TABLE": ""}, "IDEMPOTENCY_TABLE is required"),
        ({"ALERT_SKIP_REPLAYS": "maybe"}, "ALERT_SKIP_REPLAYS must be true or false"),
        ({"PAGERDUTY_EVENTS_URL": "http://events.pagerduty.com/v2/enqueue"}, "must be an https:// URL"),
        ({"ALERT_DEADLINE_MARGIN_MS": "soon"}, "ALERT_DEADLINE_MARGIN_MS must be an integer"),
    ],
)
def test_configuration_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    from genesys_audit.alerting.settings import AlertSettings
    from genesys_audit.errors import ConfigError

    good = {"ALERT_TOPIC_ARN": "arn:aws:sns:eu-central-1:123456789012:t", "IDEMPOTENCY_TABLE": "t"}
    assert AlertSettings.from_env(good).idempotency.table == "t"
    with pytest.raises(ConfigError, match=message):
        AlertSettings.from_env(good | env)


def test_webhook_secrets_must_be_https(harness: AlertHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from genesys_audit.secrets import clear_cache

    boto3.client("secretsmanager").put_secret_value(
        SecretId="slack_secret_arn", SecretString=json.dumps({"url": "http://hooks.slack.com/services/x"})
    )
    clear_cache()
    result = harness.invoke(alert_input(event("01_oauthclient_delete.json")))
    assert (
        result["channels"]["slack"]
        == "failed: Slack webhook URL must be an https:// URL; check the secret's 'url' value"
    )
    assert harness.receiver.on("/slack") == []


def _metrics(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]


def test_each_rule_matching_one_audit_alerts_once(harness: AlertHarness) -> None:
    evt = event("01_oauthclient_delete.json")
    low = harness.invoke(alert_input(evt, rule="custom-any-oauth-change", severity="LOW"))
    critical = harness.invoke(alert_input(evt, rule="oauth-client-delete", severity="CRITICAL"))
    again = harness.invoke(alert_input(evt, rule="oauth-client-delete", severity="CRITICAL"))
    assert [low["status"], critical["status"], again["status"]] == ["sent", "sent", "duplicate"]
    subjects = [note["Subject"] for note in harness.published()]
    assert [s.split(":")[0] for s in subjects] == ["LOW", "CRITICAL"]
    pages = harness.chat()["pagerduty"]
    audit_id = evt["detail"]["eventBody"]["id"]
    assert [(p["dedup_key"], p["payload"]["severity"]) for p in pages] == [
        (f"{audit_id}/custom-any-oauth-change", "info"),
        (f"{audit_id}/oauth-client-delete", "critical"),
    ]
    keys = sorted(item["id"]["S"] for item in harness.dynamodb.scan(TableName=TABLE)["Items"])
    assert len(keys) == 2 and all(k.startswith("alert#") for k in keys)


def test_without_the_idempotency_table_the_alert_is_sent_marked_possibly_repeated(
    harness: AlertHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.dynamodb.delete_table(TableName=TABLE)  # the dedup store is gone (or throttled, or unreachable)
    capsys.readouterr()
    result = harness.invoke(alert_input(event("01_oauthclient_delete.json")))
    assert result["status"] == "sent" and result["possibly_repeated"] is True
    assert all(v.startswith("ok: ") for v in result["channels"].values()), result
    [note] = harness.published()
    assert "Possibly repeated: the deduplication store was unavailable" in note["Message"]
    chat = harness.chat()
    assert {k: len(v) for k, v in chat.items()} == {"slack": 1, "teams": 1, "pagerduty": 1}
    assert "Possibly repeated" in json.dumps(chat["slack"][0]) and "Possibly repeated" in json.dumps(chat["teams"][0])
    metrics = _metrics(capsys)
    assert any(m.get("AlertDeduplicationUnavailable") in ([1.0], 1.0) for m in metrics), metrics


def test_a_redirect_is_a_channel_failure_and_is_not_followed(harness: AlertHarness) -> None:
    harness.receiver.fail_next("/slack", 302)
    harness.receiver.fail_next("/teams", 307)
    result = harness.invoke(alert_input(event("01_oauthclient_delete.json")))
    assert result["status"] == "sent"
    for channel, code in (("slack", 302), ("teams", 307)):
        assert result["channels"][channel] == (
            f"failed: answered with a redirect (HTTP {code}), which is not followed; put the final URL in the secret"
        )
    assert [r for r in harness.receiver.requests if r.path == "/redirected"] == []
    assert len(harness.receiver.on("/slack")) == 1 and result["channels"]["pagerduty"].startswith("ok: ")


def _short_lived(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, context: Any, *, http_timeout_s: int
) -> tuple[AlertHarness, Any]:
    """The handler under the (short) function timeout of `context`, with a 2 s deadline margin (wide enough
    for a loaded CI machine to finish the invocation inside the timeout)."""
    harness = _start(
        monkeypatch,
        context,
        receiver,
        ALERT_HTTP_TIMEOUT_SECONDS=str(http_timeout_s),
        ALERT_DEADLINE_MARGIN_MS="2000",
    )
    return harness, context


def test_a_stalled_channel_delays_none_of_the_others(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, receiver: Receiver, make_lambda_context: Any
) -> None:
    from moto import mock_aws

    with mock_aws():
        harness, context = _short_lived(monkeypatch, receiver, make_lambda_context(timeout_ms=6_000), http_timeout_s=3)
        receiver.delay("/slack", 60)  # accepts the connection, never answers
        result = harness.invoke(alert_input(event("01_oauthclient_delete.json")))
        assert result["status"] == "sent"
        assert result["channels"]["slack"].startswith("failed: ")
        assert result["channels"]["teams"].startswith("ok: ") and result["channels"]["pagerduty"].startswith("ok: ")
        slack = receiver.on("/slack")[0]
        [teams] = receiver.on("/teams")
        [page] = receiver.on("/pagerduty")
        # sent alongside Slack, not after its read timeouts (3 s per attempt; one after another: 6 s later)
        assert abs(teams.at - slack.at) < 2.5 and abs(page.at - slack.at) < 2.5, (slack.at, teams.at, page.at)
        assert context.get_remaining_time_in_millis() > 0


def test_channels_that_never_answer_do_not_outlive_the_function(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, receiver: Receiver, make_lambda_context: Any
) -> None:
    from moto import mock_aws

    with mock_aws():
        # one after another, the three would take 3 x (2 s + 0.2 s + 2 s): longer than the function has
        harness, context = _short_lived(monkeypatch, receiver, make_lambda_context(timeout_ms=9_000), http_timeout_s=2)
        for path in ("/slack", "/teams", "/pagerduty"):
            receiver.delay(path, 60)
        result = harness.invoke(alert_input(event("01_oauthclient_delete.json")))
        left = context.get_remaining_time_in_millis()
        assert result["status"] == "sent" and result["channels"]["sns"].startswith("ok: ")
        for channel in ("slack", "teams", "pagerduty"):
            assert result["channels"][channel].startswith("failed: "), result
        # one total deadline: the function's 9 s less the 2 s margin, whatever the per-call timeouts
        assert left > 0, "the invocation outlived the function's timeout"


class _FailingUpdates:
    """The real (moto) DynamoDB client, except that recording completion fails (table throttled or gone)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def update_item(self, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "UpdateItem")


def test_an_alert_sent_but_not_recorded_is_not_sent_twice(
    harness: AlertHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    harness.module.ONCE._client = _FailingUpdates(boto3.client("dynamodb"))
    capsys.readouterr()
    result = harness.invoke(alert_input(event("01_oauthclient_delete.json")))
    assert result["status"] == "sent" and "possibly_repeated" not in result
    assert all(v.startswith("ok: ") for v in result["channels"].values()), result
    assert len(harness.published()) == 1
    assert {k: len(v) for k, v in harness.chat().items()} == {"slack": 1, "teams": 1, "pagerduty": 1}
    assert any(m.get("AlertDeduplicationUnavailable") in ([1.0], 1.0) for m in _metrics(capsys))
