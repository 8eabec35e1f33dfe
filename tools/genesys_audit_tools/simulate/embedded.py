"""The embedded AWS: the topology's resources created in moto with boto3, and its clients."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from genesys_audit_tools.simulate.topology import Topology

ACCOUNT_ID = "123456789012"  # moto's default account, and the stand-in's


def queue_url(arn: str) -> str:
    """The URL of a queue from its ARN (the format moto and AWS share)."""
    _, _, _, region, account, name = arn.split(":", 5)
    return f"https://sqs.{region}.amazonaws.com/{account}/{name}"


def secret_name(arn: str) -> str:
    """The secret name inside a Secrets Manager ARN (`...:secret:<name>-AbCdEf`)."""
    name = arn.split(":secret:", 1)[-1]
    head, _, suffix = name.rpartition("-")
    return head if head and len(suffix) == 6 else name


def is_secret_arn(value: str) -> bool:
    """Whether a value is a Secrets Manager secret ARN."""
    return value.startswith("arn:") and ":secretsmanager:" in value and ":secret:" in value


def region_of(arn: str) -> str:
    """The region part of an ARN."""
    return arn.split(":")[3]


@dataclass
class EmbeddedAws:
    """Clients and what was created; build() must run inside moto's mock_aws()."""

    topology: Topology
    notes: list[str] = field(default_factory=list)
    taps: dict[str, str] = field(default_factory=dict)  # topic arn or bus name -> tap queue url
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str) -> Any:
        """A boto3 client (cached per service and region)."""
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = boto3.client(service, region_name=region)
        return self._clients[key]

    def _try(self, what: str, action: Callable[..., Any], *args: Any) -> Any:
        try:
            return action(*args)
        except Exception as exc:  # moto's gaps are reported, not fatal
            self.notes.append(f"{what}: moto could not: {exc}")
            return None

    def build(self) -> None:
        """Create queues (dead-letter queues first), log groups, topics, tables, secrets and buses."""
        t = self.topology
        ordered = sorted(t.queues.values(), key=lambda q: q.dead_letter_arn is not None)
        for queue in ordered:
            attributes = dict(queue.attributes)
            if queue.dead_letter_arn:
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": queue.dead_letter_arn,
                        "maxReceiveCount": queue.max_receive_count or 5,
                    }
                )
            self.client("sqs", queue.region).create_queue(QueueName=queue.name, Attributes=attributes)
        for arn, name in t.log_groups.items():
            self.client("logs", region_of(arn)).create_log_group(logGroupName=name)
        for arn, name in t.topics.items():
            region = region_of(arn)
            self.client("sns", region).create_topic(Name=name)
            tap = self.client("sqs", region).create_queue(QueueName=f"simulator-tap-{name}")["QueueUrl"]
            tap_arn = f"arn:aws:sqs:{region}:{ACCOUNT_ID}:simulator-tap-{name}"
            self.client("sns", region).subscribe(
                TopicArn=arn, Protocol="sqs", Endpoint=tap_arn, Attributes={"RawMessageDelivery": "false"}
            )
            self.taps[arn] = tap
        for name, values in t.tables.items():
            self._create_table(name, values)
        for bus, region in t.buses.items():
            events = self.client("events", region)
            if bus.startswith("aws.partner/"):
                # Partner events are injected by the simulator: moto's PutRule splits partner bus
                # names on '/'.
                self._try(f"partner bus {bus}", self._partner_bus, events, bus)
                continue
            events.create_event_bus(Name=bus)
            # A tap rule sends everything put on a custom bus (by the ingestion Lambda) to a queue the
            # simulator drains and routes with the project's pattern engine.
            tap = self.client("sqs", region).create_queue(QueueName=f"simulator-tap-bus-{bus}")["QueueUrl"]
            events.put_rule(Name="simulator-tap", EventBusName=bus, EventPattern=json.dumps({"account": [ACCOUNT_ID]}))
            events.put_targets(
                Rule="simulator-tap",
                EventBusName=bus,
                Targets=[{"Id": "tap", "Arn": f"arn:aws:sqs:{region}:{ACCOUNT_ID}:simulator-tap-bus-{bus}"}],
            )
            self.taps[bus] = tap

    @staticmethod
    def _partner_bus(events: Any, name: str) -> None:
        events.create_partner_event_source(Name=name, Account=ACCOUNT_ID)
        events.create_event_bus(Name=name, EventSourceName=name)

    def _create_table(self, name: str, values: dict[str, Any]) -> None:
        region = values.get("region") or "us-east-1"
        attributes = values.get("attribute") or []
        keys = [{"AttributeName": values["hash_key"], "KeyType": "HASH"}]
        if values.get("range_key"):
            keys.append({"AttributeName": values["range_key"], "KeyType": "RANGE"})
        dynamodb = self.client("dynamodb", region)
        dynamodb.create_table(
            TableName=name,
            KeySchema=keys,
            AttributeDefinitions=[{"AttributeName": a["name"], "AttributeType": a["type"]} for a in attributes],
            BillingMode="PAY_PER_REQUEST",
        )
        ttl = (values.get("ttl") or [{}])[0]
        if ttl.get("enabled") and ttl.get("attribute_name"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attribute_name"]},
            )

    def put_secret(self, arn: str, value: str) -> str:
        """Create (or update) the secret an ARN names; return the ARN the embedded AWS gave it.

        Secrets the plan creates keep their planned name; secrets given to the module as ARNs are
        created under the name inside the ARN (without Secrets Manager's random 6-character suffix).
        """
        name = self.topology.secrets.get(arn) or secret_name(arn)
        client = self.client("secretsmanager", region_of(arn))
        try:
            created: str = client.create_secret(Name=name, SecretString=value)["ARN"]
        except client.exceptions.ResourceExistsException:
            created = client.put_secret_value(SecretId=name, SecretString=value)["ARN"]
        return created

    def drain(self, url: str, region: str, *, limit: int = 10_000) -> list[dict[str, Any]]:
        """Receive and delete every message of a queue."""
        sqs = self.client("sqs", region)
        messages: list[dict[str, Any]] = []
        while len(messages) < limit:
            batch = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not batch:
                break
            messages.extend(batch)
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )
        return messages
