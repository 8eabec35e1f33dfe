"""Backfill end to end: fake Genesys API -> library -> moto EventBridge -> rule -> SQS."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_genesys import (
    BUS,
    CLIENT_ID,
    CLIENT_SECRET,
    DETAIL_TYPE,
    NOW,
    SOURCE,
    Aws,
    FakeGenesys,
    hours_of_records,
    rest_record,
)

from genesys_audit.backfill.api import AuditApiReader, RateLimitPolicy
from genesys_audit.backfill.checkpoint import FileCheckpoint, MemoryCheckpoint
from genesys_audit.backfill.credentials import ClientCredentials
from genesys_audit.backfill.errors import BackfillInputError, GenesysApiError, PutFailed
from genesys_audit.backfill.run import BackfillOptions, run_backfill
from genesys_audit.ingestion.putevents import RetryPolicy

START = NOW - timedelta(hours=4)
SERVICES = ("PeoplePermissions", "ContactCenter")


def reader(fake: FakeGenesys, page_size: int = 7) -> AuditApiReader:
    return AuditApiReader(fake.url, ClientCredentials(CLIENT_ID, CLIENT_SECRET), page_size=page_size,
                          rate_limit=RateLimitPolicy(max_attempts=3, max_sleep=0), poll_interval=0,
                          sleep=lambda s: None)


def options(**kw: Any) -> BackfillOptions:
    base: dict[str, Any] = {"since": START, "until": NOW, "bus_name": BUS,
                            "retry": RetryPolicy(base_delay=0.001, max_delay=0.002)}
    base.update(kw)
    return BackfillOptions(**base)


def audit_ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["detail"]["eventBody"]["id"] for e in events]


def test_every_record_arrives_once_converted(genesys: FakeGenesys, aws: Aws) -> None:
    genesys.records = hours_of_records(START, 4, 9, services=SERVICES)
    genesys.records.append(rest_record(900, START + timedelta(minutes=30), user=False, entity_type="OAuthClient"))
    store = MemoryCheckpoint()
    report = run_backfill(reader(genesys), aws.events, options(), store, now=NOW)
    assert report.complete and report.windows_total == 4 and report.windows_done == 4
    assert sorted(report.services) == sorted(SERVICES)  # from the service mapping
    delivered = aws.delivered()
    assert sorted(audit_ids(delivered)) == sorted(r["id"] for r in genesys.records)  # exactly once each
    assert report.put == report.read == len(genesys.records) == 37
    by_id = {e["detail"]["eventBody"]["id"]: e for e in delivered}
    rest = genesys.records[0]
    event = by_id[rest["id"]]
    assert event["source"] == SOURCE and event["detail-type"] == DETAIL_TYPE
    detail = event["detail"]
    assert detail["topicName"] == f"v2.audits.entitytype.OAuthClient.entityid.{rest['entity']['id']}"
    assert detail["version"] == "2" and detail["metadata"] == {}
    assert detail["backfill"]["source"] == "genesys-audit-api"
    assert detail["backfill"]["runId"] == report.run_id and detail["backfill"]["api"] == "realtime"
    assert detail["backfill"]["restOnly"] == {"status": "SUCCESS", "application": "", "initiatingAction": {},
                                              "transactionInitiator": False, "entityChanges": []}
    body = detail["eventBody"]
    assert body["userId"] == rest["user"]["id"]
    assert body["username"] == rest["user"]
    assert body["clientId"] == {}  # REST client {"id": ""} = no client, as the topic shows it
    assert body["eventTime"] == rest["eventDate"].replace("Z", ".000Z")
    assert detail["timestamp"] == body["eventTime"]
    for key in ("user", "client", "eventDate", "status", "entityChanges", "initiatingAction"):
        assert key not in body
    for key in ("id", "userHomeOrgId", "remoteIp", "serviceName", "level", "action", "entityType", "entity",
                "propertyChanges", "context"):
        assert body[key] == rest[key]
    client_event = by_id[genesys.records[-1]["id"]]["detail"]["eventBody"]
    assert "userId" not in client_event and "username" not in client_event
    assert client_event["clientId"] == {"id": "c3d4e5f6-3333-4c4c-8d8d-000000000003",
                                        "selfUri": "/api/v2/oauth/clients/c3d4e5f6-3333-4c4c-8d8d-000000000003"}
    assert len(store.state["done"]) == 4 and store.state["current"] is None  # type: ignore[index]


def test_old_windows_use_the_async_query(genesys: FakeGenesys, aws: Aws) -> None:
    start = NOW - timedelta(days=20)
    genesys.records = hours_of_records(start, 2, 8, services=SERVICES)
    report = run_backfill(reader(genesys), aws.events, options(since=start, until=start + timedelta(hours=2)),
                          now=NOW)
    assert report.complete
    delivered = aws.delivered()
    assert sorted(audit_ids(delivered)) == sorted(r["id"] for r in genesys.records)
    assert {e["detail"]["backfill"]["api"] for e in delivered} == {"query"}
    assert not any(p == "/api/v2/audits/query/realtime" for _, p in genesys.requests)


def test_interrupted_run_resumes_from_its_checkpoint_exactly_once(genesys: FakeGenesys, aws: Aws,
                                                                  tmp_path: Path) -> None:
    genesys.records = hours_of_records(START, 4, 12, services=SERVICES)
    store = FileCheckpoint(tmp_path / "checkpoint.json")
    genesys.fail_after_pages = 5  # dies inside the second hour
    with pytest.raises(GenesysApiError, match="injected failure"):
        run_backfill(reader(genesys, page_size=4), aws.events, options(), store, now=NOW)
    first = audit_ids(aws.delivered())
    state = json.loads(store.path.read_text())
    assert len(state["done"]) == 1 and state["current"]["ids"]  # mid-window, some ids already put
    assert 0 < len(first) < len(genesys.records)
    genesys.fail_after_pages = None
    report = run_backfill(reader(genesys, page_size=4), aws.events, options(), store, now=NOW)
    assert report.complete and report.windows_skipped == 1 and report.run_id == state["runId"]
    assert report.duplicates_skipped == len(state["current"]["ids"])
    second = audit_ids(aws.delivered())
    assert sorted(first + second) == sorted(r["id"] for r in genesys.records)  # exactly once overall
    assert not set(first) & set(second)
    # a third run finds everything done and puts nothing
    again = run_backfill(reader(genesys, page_size=4), aws.events, options(), store, now=NOW)
    assert again.windows_skipped == 4 and again.put == 0 and aws.delivered() == []


def test_putevents_failure_checkpoints_what_was_accepted(genesys: FakeGenesys, aws: Aws) -> None:
    genesys.records = hours_of_records(START, 1, 10)

    class Flaky:
        """Rejects one entry for good on the first run (AccessDenied is not retried)."""

        def __init__(self, real: Any, bad: str | None) -> None:
            self.real, self.bad = real, bad

        def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            keep = [e for e in Entries if self.bad is None or self.bad not in e["Detail"]]
            out = self.real.put_events(Entries=keep)["Entries"] if keep else []
            results = iter(out)
            return {"Entries": [{"ErrorCode": "AccessDeniedException", "ErrorMessage": "no"}
                                if self.bad is not None and self.bad in e["Detail"] else next(results)
                                for e in Entries]}

    bad = genesys.records[3]["id"]
    store = MemoryCheckpoint()
    opts = options(until=START + timedelta(hours=1))
    with pytest.raises(PutFailed, match="1 of 7 entries"):
        run_backfill(reader(genesys), Flaky(aws.events, bad), opts, store, now=NOW)
    first = audit_ids(aws.delivered())
    assert bad not in first and len(first) == 6
    run_backfill(reader(genesys), Flaky(aws.events, None), opts, store, now=NOW)
    second = audit_ids(aws.delivered())
    assert sorted(first + second) == sorted(r["id"] for r in genesys.records)


def test_dry_run_puts_nothing(genesys: FakeGenesys, aws: Aws) -> None:
    genesys.records = hours_of_records(START, 2, 5)
    store = MemoryCheckpoint()

    class NoPut:
        def put_events(self, **kw: Any) -> dict[str, Any]:
            raise AssertionError("dry run called PutEvents")

    report = run_backfill(reader(genesys), NoPut(), options(dry_run=True, sample_size=2), store, now=NOW)
    assert report.put == 10 and report.put_calls == 0 and len(report.sample) == 2
    assert report.sample[0]["eventBody"]["eventTime"].endswith(".000Z")
    assert store.saves == 0 and aws.delivered() == []


def test_explicit_services_and_checkpoint_mismatch(genesys: FakeGenesys, aws: Aws) -> None:
    genesys.records = hours_of_records(START, 1, 6, services=SERVICES)
    store = MemoryCheckpoint()
    opts = options(until=START + timedelta(hours=1), services=("ContactCenter",))
    run_backfill(reader(genesys), aws.events, opts, store, now=NOW)
    assert {e["detail"]["eventBody"]["serviceName"] for e in aws.delivered()} == {"ContactCenter"}
    assert not any(p.endswith("servicemapping") for _, p in genesys.requests)
    with pytest.raises(BackfillInputError, match="written for services"):
        run_backfill(reader(genesys), aws.events, options(until=START + timedelta(hours=1)), store, now=NOW)
    with pytest.raises(BackfillInputError, match="written for bus"):
        run_backfill(reader(genesys), aws.events, options(bus_name="other", services=("ContactCenter",)), store,
                     now=NOW)


def test_deadline_stops_between_pages_and_resumes(genesys: FakeGenesys, aws: Aws) -> None:
    genesys.records = hours_of_records(START, 2, 10)
    store = MemoryCheckpoint()
    budget = iter([1.0, 1.0, 0.0])
    report = run_backfill(reader(genesys, page_size=4), aws.events, options(until=START + timedelta(hours=2)),
                          store, deadline=lambda: next(budget, 0.0), now=NOW)
    assert not report.complete and report.put == 8
    report = run_backfill(reader(genesys, page_size=4), aws.events, options(until=START + timedelta(hours=2)),
                          store, now=NOW)
    assert report.complete
    assert sorted(audit_ids(aws.delivered())) == sorted(r["id"] for r in genesys.records)
