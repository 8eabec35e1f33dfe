"""`genesys-audit backfill` and `genesys-audit gaps` in process: fake Genesys API, moto bus and trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fake_genesys import BUS, CLIENT_ID, CLIENT_SECRET, Aws, FakeGenesys, hours_of_records

from genesys_audit_tools import cli

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
START = NOW - timedelta(hours=3)
TRAIL = "/aws/events/genesys-audit"


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENESYS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", CLIENT_SECRET)


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def backfill(fake: FakeGenesys, *extra: str) -> list[str]:
    return ["backfill", "--since", iso(START), "--until", iso(NOW), "--bus", BUS, "--api-base-url", fake.url,
            "--page-size", "5", *extra]


def test_backfill_puts_and_resumes_with_a_checkpoint(genesys: FakeGenesys, aws: Aws, creds: None, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    genesys.records = hours_of_records(START, 3, 8)
    checkpoint = tmp_path / "backfill.json"
    genesys.fail_after_pages = 3
    assert cli.main(backfill(genesys, "--checkpoint", str(checkpoint))) == 1
    err = capsys.readouterr().err
    assert "injected failure" in err and f"The checkpoint {checkpoint} keeps what was put" in err
    genesys.fail_after_pages = None
    assert cli.main(backfill(genesys, "--checkpoint", str(checkpoint))) == 0
    out, err = capsys.readouterr()
    assert "1 skipped (checkpoint)" in out and "3/3 windows" in err  # progress on stderr
    ids = sorted(e["detail"]["eventBody"]["id"] for e in aws.delivered())
    assert ids == sorted(r["id"] for r in genesys.records)


def test_dry_run_prints_and_puts_nothing(genesys: FakeGenesys, aws: Aws, creds: None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    genesys.records = hours_of_records(START, 2, 4)
    assert cli.main(backfill(genesys, "--dry-run", "--sample", "1")) == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run: would put 8 audit records (8 read)") and "nothing was put" in out
    entry = json.loads(out.split("\n", 1)[1])
    assert entry["Source"] == "genesys.audit.webhook" and entry["Detail"]["backfill"]["source"] == "genesys-audit-api"
    assert aws.delivered() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-13-01"], "--since '2026-13-01' is not an ISO-8601 time"),
        (["--since", iso(NOW), "--until", iso(START)], "must be after --since"),
        (["--since", iso(NOW + timedelta(days=2))], "is in the future"),
        (["--since", iso(START), "--region", "mypurecloud.fr"], "unknown Genesys region 'mypurecloud.fr'; use one of"),
    ],
)
def test_bad_input_is_a_clear_error(args: list[str], message: str, creds: None, aws: Aws,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["backfill", "--bus", BUS, *args]) == 1
    assert message in capsys.readouterr().err


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GENESYS_CLIENT_ID", raising=False)
    monkeypatch.delenv("GENESYS_CLIENT_SECRET", raising=False)
    assert cli.main(["backfill", "--since", iso(START), "--bus", BUS, "--region", "mypurecloud.ie", "--dry-run"]) == 1
    assert "GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET not set" in capsys.readouterr().err


def test_401_and_403_are_clear(genesys: FakeGenesys, aws: Aws, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GENESYS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", "wrong")
    assert cli.main(backfill(genesys)) == 1
    assert "refused the OAuth client credentials (HTTP 401" in capsys.readouterr().err
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", CLIENT_SECRET)
    genesys.forbid = True
    assert cli.main(backfill(genesys)) == 1
    assert "lacks the permission audits:audit:view" in capsys.readouterr().err


def test_gaps_reports_the_hole_and_exits_1(genesys: FakeGenesys, aws: Aws, creds: None,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    aws.logs.create_log_group(logGroupName=TRAIL)
    arn = f"arn:aws:logs:eu-central-1:123456789012:log-group:{TRAIL}"
    aws.events.put_rule(Name="trail", EventBusName=BUS,
                        EventPattern=json.dumps({"detail-type": ["v2.audits.entitytype.{id}.entityid.{id}"]}))
    aws.events.put_targets(Rule="trail", EventBusName=BUS, Targets=[{"Id": "trail", "Arn": arn}])
    records = hours_of_records(START, 3, 4)
    missing = records[5]["id"]
    genesys.records = [r for r in records if r["id"] != missing]
    assert cli.main(backfill(genesys)) == 0
    genesys.records = records
    args = ["gaps", "--since", iso(START), "--until", iso(NOW), "--api-base-url", genesys.url, "--log-group", TRAIL]
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    hole_hour = iso(START + timedelta(hours=1))
    assert f"{hole_hour}         4       3        1  <- hole" in out
    assert f"missing in {hole_hour}: {missing}" in out
    assert "1 of 3 hours have holes" in out
    assert cli.main([*args, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["missingTotal"] == 1 and data["holes"][0]["missing"] == [missing]
    # fill the hole (only what the trail lacks is put), then the trail is whole
    assert cli.main(backfill(genesys, "--skip-present-in", TRAIL)) == 0
    assert "put 1 audit records (12 read, 0 already put, 11 already in the trail)" in capsys.readouterr().out
    assert cli.main(args) == 0
    assert "0 of 3 hours have holes" in capsys.readouterr().out
