"""Fixtures: the fake Genesys API (a real HTTP server on 127.0.0.1) and moto (bus -> rule -> SQS)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fake_genesys import BUS, DETAIL_TYPE, SOURCE, Aws, FakeGenesys, serve


@pytest.fixture
def genesys() -> Iterator[FakeGenesys]:
    """The fake Genesys API, listening on 127.0.0.1 (a free port) for the test's duration."""
    with serve(FakeGenesys()) as fake:
        yield fake


@pytest.fixture
def aws(aws_env: dict[str, str]) -> Iterator[Aws]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        events = boto3.client("events")
        events.create_event_bus(Name=BUS)
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="backfill-sink")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="all-audits", EventBusName=BUS,
                        EventPattern=json.dumps({"source": [SOURCE], "detail-type": [DETAIL_TYPE]}))
        events.put_targets(Rule="all-audits", EventBusName=BUS, Targets=[{"Id": "sink", "Arn": arn}])
        yield Aws(events, sqs, boto3.client("logs"), queue_url)


