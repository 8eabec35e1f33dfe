"""EventBridge's part: match a bus's rules (compiled together) and deliver to every target type."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from genesys_audit_tools.matcher import RuleSet
from genesys_audit_tools.simulate.embedded import EmbeddedAws, queue_url, region_of
from genesys_audit_tools.simulate.receivers import Receiver
from genesys_audit_tools.simulate.runtime import LambdaRuntime
from genesys_audit_tools.simulate.topology import Rule, Target, Topology

# Lambda retries an asynchronous invocation twice after a function error.
LAMBDA_ASYNC_ATTEMPTS = 3


@dataclass
class Delivery:
    """One event delivered (or not) to one target of one rule."""

    rule: str
    target: str
    outcome: str  # "delivered" | "function error" | "failed"
    detail: str = ""


@dataclass
class Trace:
    """What happened to one event."""

    event_id: str
    label: str
    path: str  # "partner" | "webhook"
    bus: str
    rules: list[str] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def target_name(target: Target, topology: Topology) -> str:
    """A short human name for a target: `sqs:<queue>`, `lambda:<function>`..."""
    service = target.service
    if service == "sqs":
        return f"sqs:{target.arn.rsplit(':', 1)[-1]}"
    if service == "logs":
        arn = target.arn.removesuffix(":*")
        return f"logs:{topology.log_groups.get(arn, arn.rsplit(':', 1)[-1])}"
    if service == "lambda":
        function = topology.functions.get(target.arn)
        return f"lambda:{function.name if function else target.arn.rsplit(':', 1)[-1]}"
    if service == "firehose":
        return f"firehose:{target.arn.rsplit('/', 1)[-1]}"
    return f"{service}:{target.arn.rsplit(':', 1)[-1]}"


class Router:
    """Routes events on a bus to the rules that match and on to their targets."""

    def __init__(self, aws: EmbeddedAws, runtime: LambdaRuntime, hec: Receiver) -> None:
        self.aws = aws
        self.topology = aws.topology
        self.runtime = runtime
        self.hec = hec
        self._matchers: dict[str, tuple[list[Rule], RuleSet[int]]] = {}  # per bus: its enabled rules
        self.hec_records: list[dict[str, Any]] = []

    def rules_on(self, bus: str) -> list[Rule]:
        """Enabled rules of one bus."""
        return [r for r in self.topology.rules if r.bus == bus and r.enabled]

    def route(self, event: dict[str, Any], bus: str, trace: Trace) -> None:
        """Match `event` against every rule of `bus` and deliver it to their targets."""
        if bus not in self._matchers:
            rules = self.rules_on(bus)
            self._matchers[bus] = (rules, RuleSet(enumerate(rule.pattern for rule in rules)))
        rules, matcher = self._matchers[bus]
        for rule in (rules[i] for i in matcher.matching_indices(event)):
            trace.rules.append(rule.key)
            if not rule.targets:
                trace.notes.append(f"rule {rule.key} matched but has no target")
            for target in rule.targets:
                trace.deliveries.append(self._deliver(rule, target, event))

    def _deliver(self, rule: Rule, target: Target, event: dict[str, Any]) -> Delivery:
        name = target_name(target, self.topology)
        try:
            payload = target.input.apply(event, rule_arn=rule.arn, rule_name=rule.name)
            detail = self._send(target, payload, event)
            return Delivery(rule.key, name, "delivered", detail)
        except FunctionError as exc:
            return Delivery(rule.key, name, "function error", str(exc))
        except Exception as exc:
            self._dead_letter(rule, target, event, exc)
            return Delivery(rule.key, name, "failed", f"{type(exc).__name__}: {exc}")

    def _send(self, target: Target, payload: str, event: dict[str, Any]) -> str:
        service, region = target.service, region_of(target.arn)
        if service == "sqs":
            self.aws.client("sqs", region).send_message(QueueUrl=queue_url(target.arn), MessageBody=payload)
            return "message sent"
        if service == "logs":
            arn = target.arn.removesuffix(":*")
            group = self.topology.log_groups.get(arn) or arn.split(":log-group:", 1)[1]
            logs = self.aws.client("logs", region)
            stream = event.get("id") or "simulated"
            with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            logs.put_log_events(
                logGroupName=group,
                logStreamName=stream,
                logEvents=[{"timestamp": int(time.time() * 1000), "message": payload}],
            )
            return f"log stream {stream}"
        if service == "lambda":
            return self._invoke_async(target.arn, json.loads(payload))
        if service == "firehose":
            return self._firehose(target.arn, payload)
        if service == "sns":
            self.aws.client("sns", region).publish(TopicArn=target.arn, Message=payload)
            return "published"
        raise NotImplementedError(f"the simulator does not deliver to {service} targets")

    def _invoke_async(self, arn: str, payload: Any) -> str:
        function = self.topology.functions.get(arn)
        if function is None:
            raise LookupError(f"no function {arn} in the plan")
        errors: list[str] = []
        for _attempt in range(LAMBDA_ASYNC_ATTEMPTS):
            try:
                result = self.runtime.invoke(function, payload)
                return f"invoked ({len(errors)} retries): {_short(result)}"
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        if function.dead_letter_arn:
            self.aws.client("sqs", region_of(function.dead_letter_arn)).send_message(
                QueueUrl=queue_url(function.dead_letter_arn),
                MessageBody=json.dumps(payload),
                MessageAttributes={"ErrorMessage": {"DataType": "String", "StringValue": errors[-1][:256]}},
            )
            raise FunctionError(f"{LAMBDA_ASYNC_ATTEMPTS} attempts failed, sent to the function DLQ: {errors[-1]}")
        raise FunctionError(f"{LAMBDA_ASYNC_ATTEMPTS} attempts failed and the function has no DLQ: {errors[-1]}")

    def _firehose(self, arn: str, payload: str) -> str:
        stream = self.topology.firehoses.get(arn)
        if stream is None:
            raise LookupError(f"no delivery stream {arn} in the plan")
        splunk = (stream.get("splunk_configuration") or [{}])[0]
        record = {
            "time": time.time(),
            "host": arn,
            "source": f"aws:firehose:{stream.get('name')}",
            "sourcetype": "genesys:cloud:audit",
            "event": json.loads(payload),
        }
        import urllib.request

        request = urllib.request.Request(  # noqa: S310 - the loopback HEC receiver's http URL
            f"{self.hec.base_url}/services/collector/event",
            data=json.dumps(record).encode(),
            headers={"Authorization": "Splunk simulated-token", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback receiver
            status = response.status
        self.hec_records.append(record)
        endpoint_type = splunk.get("hec_endpoint_type") or "Raw"
        return f"HEC {endpoint_type} event accepted ({status})"

    def _dead_letter(self, rule: Rule, target: Target, event: dict[str, Any], exc: Exception) -> None:
        if not target.dead_letter_arn:
            return
        self.aws.client("sqs", region_of(target.dead_letter_arn)).send_message(
            QueueUrl=queue_url(target.dead_letter_arn),
            MessageBody=json.dumps(event),
            MessageAttributes={
                "RULE_ARN": {"DataType": "String", "StringValue": rule.arn},
                "TARGET_ARN": {"DataType": "String", "StringValue": target.arn},
                "ERROR_MESSAGE": {"DataType": "String", "StringValue": str(exc)[:256] or type(exc).__name__},
            },
        )

    def run_consumers(self) -> list[str]:
        """Poll every SQS event source mapping until its queue is empty (partial batch failures honoured)."""
        log: list[str] = []
        for mapping in self.topology.mappings:
            function = self.topology.functions.get(mapping.function)
            queue = self.topology.queues.get(mapping.queue_arn)
            if function is None or queue is None:
                log.append(f"mapping {mapping.queue_arn} -> {mapping.function}: not in the plan")
                continue
            sqs = self.aws.client("sqs", queue.region)
            url = queue_url(queue.arn)
            processed = failed = 0
            errors: set[str] = set()
            for _round in range(50):
                batch = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=min(mapping.batch_size, 10),
                    AttributeNames=["All"],
                    VisibilityTimeout=0,
                    WaitTimeSeconds=0,
                ).get("Messages", [])
                if not batch:
                    break
                records = [_sqs_record(m, queue.arn, queue.region) for m in batch]
                try:
                    response = self.runtime.invoke(function, {"Records": records}) or {}
                    failures = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
                    if not mapping.report_batch_item_failures and failures:
                        failures = {m["MessageId"] for m in batch}
                except Exception as exc:  # the whole batch returns to the queue, as in Lambda
                    errors.add(f"{type(exc).__name__}: {exc}")
                    failures = {m["MessageId"] for m in batch}
                done = [m for m in batch if m["MessageId"] not in failures]
                processed += len(done)
                failed += len(batch) - len(done)
                if done:
                    sqs.delete_message_batch(
                        QueueUrl=url,
                        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                    )
            log.append(
                f"{function.name} consumed {processed} message(s) from {queue.name}; {failed} failed attempt(s)"
                + (f"; batch errors: {'; '.join(sorted(errors))}" if errors else "")
            )
        return log


class FunctionError(RuntimeError):
    """The function failed on every attempt."""


def _short(result: Any) -> str:
    text = json.dumps(result, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
