"""What the simulator deploys, read from an "as applied" plan of the module."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from genesys_audit_tools.harness import Plan, Resource
from genesys_audit_tools.rules import Rule, rules_from_plan
from genesys_audit_tools.simulate.transformer import TargetInput


@dataclass(frozen=True)
class Target:
    """A rule target."""

    target_id: str
    arn: str
    input: TargetInput
    dead_letter_arn: str | None
    maximum_retry_attempts: int | None
    maximum_event_age_in_seconds: int | None

    @property
    def service(self) -> str:
        """`sqs`, `logs`, `lambda`, `firehose`, `sns`, `events`... from the ARN."""
        return self.arn.split(":")[2]


@dataclass(frozen=True)
class Queue:
    """An SQS queue and its redrive."""

    name: str
    arn: str
    region: str
    dead_letter_arn: str | None
    max_receive_count: int | None
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class Function:
    """A Lambda function of ours: handler path and environment."""

    name: str
    arn: str
    region: str
    handler: str
    environment: Mapping[str, str]
    dead_letter_arn: str | None


@dataclass(frozen=True)
class EventSourceMapping:
    """An SQS queue feeding a function."""

    queue_arn: str
    function: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class Topology:
    """Everything the simulator builds."""

    buses: dict[str, str]  # name -> region
    rules: list[Rule]  # rules with a pattern, as `genesys-audit rules` reads them
    targets: dict[str, tuple[Target, ...]]  # rule address -> its targets
    queues: dict[str, Queue]  # arn -> queue
    log_groups: dict[str, str]  # arn -> name
    topics: dict[str, str]  # arn -> name
    subscriptions: list[tuple[str, str, str]]  # (topic arn, protocol, endpoint)
    functions: dict[str, Function]  # arn and name -> function
    mappings: list[EventSourceMapping]
    firehoses: dict[str, dict[str, Any]]  # arn -> planned values
    tables: dict[str, dict[str, Any]]  # name -> planned values
    secrets: dict[str, str]  # arn -> name
    notes: list[str] = field(default_factory=list)

    def targets_of(self, rule: Rule) -> tuple[Target, ...]:
        """The targets of one rule."""
        return self.targets.get(rule.address, ())


def _first(values: Mapping[str, Any], key: str) -> dict[str, Any]:
    blocks = values.get(key) or []
    return blocks[0] if blocks and isinstance(blocks[0], dict) else {}


def _region(resource: Resource, default: str) -> str:
    return resource.region or default


def read(plan: Plan, default_region: str = "us-east-1") -> Topology:
    """The deployable topology of an as-applied plan."""
    notes: list[str] = []
    targets_by_rule: dict[tuple[str, str], list[Target]] = {}
    for res in plan.resources("aws_cloudwatch_event_target"):
        v = res.values
        retry = _first(v, "retry_policy")
        target = Target(
            target_id=v.get("target_id") or res.address,
            arn=v["arn"],
            input=TargetInput.from_plan(v),
            dead_letter_arn=_first(v, "dead_letter_config").get("arn"),
            maximum_retry_attempts=retry.get("maximum_retry_attempts"),
            maximum_event_age_in_seconds=retry.get("maximum_event_age_in_seconds"),
        )
        targets_by_rule.setdefault((v.get("event_bus_name") or "default", v["rule"]), []).append(target)
    rules = rules_from_plan(plan.raw)
    for res in plan.resources("aws_cloudwatch_event_rule"):
        if res.values.get("event_pattern") is None:
            notes.append(f"{res.address}: no event pattern (scheduled rule), not simulated")
    for rule in rules:
        if rule.arn is None or rule.name is None:
            raise ValueError(f"{rule.address}: arn and name unknown; the simulator needs a plan made as applied")
    queues: dict[str, Queue] = {}
    for res in plan.resources("aws_sqs_queue"):
        v = res.values
        redrive = json.loads(v["redrive_policy"]) if v.get("redrive_policy") else {}
        attributes = {
            "MessageRetentionPeriod": str(v.get("message_retention_seconds") or 345600),
            "ReceiveMessageWaitTimeSeconds": str(v.get("receive_wait_time_seconds") or 0),
            "VisibilityTimeout": str(v.get("visibility_timeout_seconds") or 30),
        }
        queues[v["arn"]] = Queue(
            v["name"],
            v["arn"],
            _region(res, default_region),
            redrive.get("deadLetterTargetArn"),
            redrive.get("maxReceiveCount"),
            attributes,
        )
    functions: dict[str, Function] = {}
    for res in plan.resources("aws_lambda_function"):
        v = res.values
        function = Function(
            name=v["function_name"],
            arn=v["arn"],
            region=_region(res, default_region),
            handler=v["handler"],
            environment=dict(_first(v, "environment").get("variables") or {}),
            dead_letter_arn=_first(v, "dead_letter_config").get("target_arn"),
        )
        functions[function.arn] = functions[function.name] = function
    mappings = [
        EventSourceMapping(
            queue_arn=r.values["event_source_arn"],
            function=r.values["function_name"],
            batch_size=r.values.get("batch_size") or 10,
            report_batch_item_failures="ReportBatchItemFailures" in (r.values.get("function_response_types") or []),
        )
        for r in plan.resources("aws_lambda_event_source_mapping")
    ]
    return Topology(
        buses={r.values["name"]: _region(r, default_region) for r in plan.resources("aws_cloudwatch_event_bus")},
        rules=rules,
        targets={r.address: tuple(targets_by_rule.get((r.bus, r.name or ""), [])) for r in rules},
        queues=queues,
        log_groups={r.values["arn"]: r.values["name"] for r in plan.resources("aws_cloudwatch_log_group")},
        topics={r.values["arn"]: r.values["name"] for r in plan.resources("aws_sns_topic")},
        subscriptions=[
            (r.values["topic_arn"], r.values["protocol"], r.values["endpoint"])
            for r in plan.resources("aws_sns_topic_subscription")
        ],
        functions=functions,
        mappings=mappings,
        firehoses={r.values["arn"]: r.values for r in plan.resources("aws_kinesis_firehose_delivery_stream")},
        tables={r.values["name"]: r.values for r in plan.resources("aws_dynamodb_table")},
        secrets={r.values["arn"]: r.values["name"] for r in plan.resources("aws_secretsmanager_secret")},
        notes=notes,
    )
