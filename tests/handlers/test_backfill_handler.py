"""The scheduled backfill Lambda in moto: secret in Secrets Manager, checkpoint in SSM, fake Genesys API."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_genesys import BUS, CLIENT_ID, CLIENT_SECRET, Aws, FakeGenesys, hours_of_records

from genesys_audit.errors import ConfigError

PARAM = "/genesys-audit/backfill-checkpoint"
SECRET = "genesys-audit/backfill-client"
TRAIL = "/aws/events/genesys-audit"


@pytest.fixture
def handler_env(genesys: FakeGenesys, aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3

    boto3.client("secretsmanager").create_secret(
        Name=SECRET, SecretString=json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}))
    for key, value in {
        "EVENT_BUS_NAME": BUS, "GENESYS_API_BASE_URL": genesys.url, "GENESYS_CREDENTIALS_SECRET_ARN": SECRET,
        "CHECKPOINT_PARAMETER_NAME": PARAM, "BACKFILL_LOOKBACK_HOURS": "3", "BACKFILL_SETTLE_MINUTES": "0",
    }.items():
        monkeypatch.setenv(key, value)
    from genesys_audit.secrets import clear_cache

    clear_cache()
    import backfill.handler as module

    yield importlib.reload(module)
    clear_cache()


@pytest.fixture
def lambda_context(make_lambda_context: Any) -> Any:
    """The backfill function's default timeout (900 s): a run stops 10 s before its timeout, so a 30 s context
    on a loaded machine (the SDK alone takes seconds to import) would end the run early."""
    return make_lambda_context(timeout_ms=900_000)


def test_scheduled_run_puts_the_lookback_then_nothing(handler_env: Any, genesys: FakeGenesys, aws: Aws,
                                                      lambda_context: Any) -> None:
    import boto3

    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    genesys.records = hours_of_records(hour - timedelta(hours=3), 3, 5)
    out = handler_env.handler({}, lambda_context)
    assert out["complete"] and out["put"] == 15 and out["windows_done"] == 3
    assert sorted(e["detail"]["eventBody"]["id"] for e in aws.delivered()) == sorted(r["id"] for r in genesys.records)
    state = json.loads(boto3.client("ssm").get_parameter(Name=PARAM)["Parameter"]["Value"])
    assert len(state["done"]) == 3
    again = handler_env.handler({}, lambda_context)
    assert again["put"] == 0 and again["windows_skipped"] == 3 and aws.delivered() == []


def test_with_a_trail_only_the_holes_are_put(handler_env: Any, genesys: FakeGenesys, aws: Aws,
                                             lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    since = hour - timedelta(hours=2)
    records = hours_of_records(since, 2, 4)
    aws.logs.create_log_group(logGroupName=TRAIL)
    aws.logs.create_log_stream(logGroupName=TRAIL, logStreamName="live")
    live = [r for n, r in enumerate(records) if n != 2]  # the partner source delivered all but one
    aws.logs.put_log_events(logGroupName=TRAIL, logStreamName="live", logEvents=[
        {"timestamp": int(datetime.now(UTC).timestamp() * 1000),
         "message": json.dumps({"detail": {"eventBody": {"id": r["id"], "eventTime": r["eventDate"]}}})}
        for r in live])
    genesys.records = records
    monkeypatch.setenv("TRAIL_LOG_GROUP", TRAIL)
    module = importlib.reload(handler_env)
    out = module.handler({"since": since.isoformat(), "until": hour.isoformat()}, lambda_context)
    assert out["put"] == 1 and out["present_skipped"] == 7
    assert [e["detail"]["eventBody"]["id"] for e in aws.delivered()] == [records[2]["id"]]


def test_settings_errors_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from genesys_audit.backfill.settings import BackfillSettings

    base = {"EVENT_BUS_NAME": "bus", "GENESYS_REGION": "mypurecloud.ie", "GENESYS_CREDENTIALS_SECRET_ARN": "s",
            "CHECKPOINT_PARAMETER_NAME": "/p"}
    assert BackfillSettings.from_env(base).api_base_url == "https://api.mypurecloud.ie"
    with pytest.raises(ConfigError, match="GENESYS_REGION: unknown Genesys region 'moon'"):
        BackfillSettings.from_env({**base, "GENESYS_REGION": "moon"})
    with pytest.raises(ConfigError, match="EVENT_BUS_NAME must name a custom event bus"):
        BackfillSettings.from_env({**base, "EVENT_BUS_NAME": "default"})
    with pytest.raises(ConfigError, match="CHECKPOINT_PARAMETER_NAME is required"):
        BackfillSettings.from_env({k: v for k, v in base.items() if k != "CHECKPOINT_PARAMETER_NAME"})
    with pytest.raises(ConfigError, match="BACKFILL_LOOKBACK_HOURS must be >= 1"):
        BackfillSettings.from_env({**base, "BACKFILL_LOOKBACK_HOURS": "0"})
