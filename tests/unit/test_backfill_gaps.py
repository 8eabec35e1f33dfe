"""Gap detection: the API's audits per hour vs what the trail log group received (moto Logs)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fake_genesys import BUS, CLIENT_ID, CLIENT_SECRET, NOW, Aws, FakeGenesys, hours_of_records, rest_record

from genesys_audit.backfill.api import AuditApiReader, RateLimitPolicy
from genesys_audit.backfill.credentials import ClientCredentials
from genesys_audit.backfill.gaps import detect_gaps
from genesys_audit.backfill.run import BackfillOptions, run_backfill
from genesys_audit.backfill.windows import iso

START = NOW - timedelta(hours=3)
TRAIL = "/aws/events/genesys-audit"


def reader(fake: FakeGenesys) -> AuditApiReader:
    return AuditApiReader(fake.url, ClientCredentials(CLIENT_ID, CLIENT_SECRET), page_size=50,
                          rate_limit=RateLimitPolicy(max_attempts=2, max_sleep=0), sleep=lambda s: None)


def trail_rule(aws: Aws) -> None:
    """The trail: a rule on the bus whose target is the log group (the whole event is the message)."""
    aws.logs.create_log_group(logGroupName=TRAIL)
    arn = f"arn:aws:logs:eu-central-1:123456789012:log-group:{TRAIL}"
    aws.events.put_rule(Name="trail", EventBusName=BUS,
                        EventPattern=json.dumps({"detail-type": ["v2.audits.entitytype.{id}.entityid.{id}"]}))
    aws.events.put_targets(Rule="trail", EventBusName=BUS, Targets=[{"Id": "trail", "Arn": arn}])


def test_gap_detection_reports_a_known_hole(genesys: FakeGenesys, aws: Aws) -> None:
    trail_rule(aws)
    records = hours_of_records(START, 3, 6)
    genesys.records = records
    # the trail received everything except three audits of the middle hour
    hole = [r["id"] for r in records[7:10]]
    genesys.records = [r for r in records if r["id"] not in hole]
    run_backfill(reader(genesys), aws.events, BackfillOptions(since=START, until=NOW, bus_name=BUS), now=NOW)
    # UserPresence audits are in the API but the trail rule excludes them by default: not holes
    presence = rest_record(500, START + timedelta(minutes=5), service="Presence", entity_type="UserPresence")
    genesys.records = [*records, presence]

    report = detect_gaps(reader(genesys), aws.logs, TRAIL, START, NOW, now=NOW)
    assert [iso(h.hour) for h in report.holes] == [iso(START + timedelta(hours=1))]
    [hour] = report.holes
    assert hour.missing == sorted(hole) and (hour.api, hour.trail) == (6, 3)
    assert report.missing_total == 3 and report.excluded == 1
    assert report.api_total == 18 and report.trail_total == 15
    assert [h.api for h in report.hours] == [6, 6, 6]
    as_json = report.to_dict()
    assert as_json["holes"][0]["missing"] == sorted(hole)


def test_no_hole_when_the_trail_has_everything(genesys: FakeGenesys, aws: Aws) -> None:
    trail_rule(aws)
    genesys.records = hours_of_records(START, 2, 4)
    run_backfill(reader(genesys), aws.events, BackfillOptions(since=START, until=NOW, bus_name=BUS), now=NOW)
    report = detect_gaps(reader(genesys), aws.logs, TRAIL, START, NOW, now=NOW)
    assert report.holes == [] and report.api_total == report.trail_total == 8


def test_trail_messages_shaped_by_a_transformer_and_noise(genesys: FakeGenesys, aws: Aws) -> None:
    """Bare details or records as messages count too; non-JSON lines and other times are ignored."""
    aws.logs.create_log_group(logGroupName=TRAIL)
    aws.logs.create_log_stream(logGroupName=TRAIL, logStreamName="s")
    recs = hours_of_records(START, 1, 3)
    genesys.records = recs
    stamp = int(NOW.timestamp() * 1000)
    messages: list[Any] = [
        {"detail": {"eventBody": {"id": recs[0]["id"], "eventTime": recs[0]["eventDate"]}}},
        {"eventBody": {"id": recs[1]["id"], "eventTime": recs[1]["eventDate"]}},
        {"id": recs[2]["id"], "eventTime": recs[2]["eventDate"]},
        {"id": "outside", "eventTime": iso(START - timedelta(days=1))},
    ]
    events = [{"timestamp": stamp, "message": json.dumps(m)} for m in messages]
    events.append({"timestamp": stamp, "message": "not json"})
    aws.logs.put_log_events(logGroupName=TRAIL, logStreamName="s", logEvents=events)
    report = detect_gaps(reader(genesys), aws.logs, TRAIL, START, START + timedelta(hours=1), now=NOW)
    assert report.holes == [] and report.trail_total == 3
