"""Run the whole pipeline offline: plan, build the embedded AWS, replay events, report."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genesys_audit_tools import envvars, harness
from genesys_audit_tools.rules import Event, load_corpus
from genesys_audit_tools.simulate import findings as finding_sink
from genesys_audit_tools.simulate import topology as topo
from genesys_audit_tools.simulate.embedded import EmbeddedAws, is_secret_arn, queue_url, region_of
from genesys_audit_tools.simulate.fake_genesys import (
    CLIENT_ID,
    CLIENT_SECRET,
    SLOW_USER_ID,
    FakeGenesys,
    sample_directory,
    serve,
)
from genesys_audit_tools.simulate.receivers import Receiver
from genesys_audit_tools.simulate.router import Router, Trace
from genesys_audit_tools.simulate.runtime import LambdaRuntime

REPO = Path(__file__).resolve().parents[3]
WEBHOOK_SECRET = "simulated-webhook-secret"  # noqa: S105 - a throwaway secret inside the embedded AWS
Progress = Callable[[str], None]
SLOW_LOOKUP_SECONDS = 3.0  # the fake Genesys answers one user this late: that alert's names time out


@dataclass
class Alert:
    """A message the alert path published to an SNS topic."""

    topic: str
    subject: str
    message: str
    attributes: dict[str, str]


@dataclass
class Simulation:
    """Everything the report shows."""

    directory: str
    traces: list[Trace]
    alerts: list[Alert]
    chat: dict[str, int]
    chat_messages: list[tuple[str, Any]]
    hec_records: list[dict[str, Any]]
    log_events: dict[str, int]
    dead_letters: dict[str, list[dict[str, Any]]]
    consumers: list[str]
    notes: list[str]
    seconds: float
    engine_note: str
    delivered: Counter[str] = field(default_factory=Counter)
    # Per function: EMF metric totals from what it printed (its CloudWatch log group in the embedded AWS).
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    # Name enrichment: the fake Genesys API's URL when a function had it on, the findings the consumer
    # handed to the simulation's sink, and every invocation (function, seconds, result).
    genesys_url: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    invocations: list[tuple[str, float, dict[str, Any] | None]] = field(default_factory=list)


def emf_totals(lines: list[str]) -> dict[str, float]:
    """Sum every metric of the Embedded Metric Format lines among `lines` (other output is ignored)."""
    totals: dict[str, float] = {}
    for line in lines:
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        try:
            blob = json.loads(line)
        except ValueError:
            continue
        for directive in blob.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive.get("Metrics", []):
                value = blob.get(metric.get("Name"))
                values = value if isinstance(value, list) else [value]
                name = metric["Name"]
                totals[name] = totals.get(name, 0.0) + sum(v for v in values if isinstance(v, int | float))
    return dict(sorted(totals.items()))


def _ship_function_logs(aws: EmbeddedAws, runtime: LambdaRuntime, topology: topo.Topology) -> None:
    """What each function printed goes to its log group, as Lambda does."""
    groups = {name: arn for arn, name in topology.log_groups.items()}
    for function in {f.arn: f for f in topology.functions.values()}.values():
        lines = runtime.logs.get(function.name, [])
        arn = groups.get(f"/aws/lambda/{function.name}")
        if not lines or arn is None:
            continue
        logs = aws.client("logs", region_of(arn))
        stream = "simulated"
        logs.create_log_stream(logGroupName=f"/aws/lambda/{function.name}", logStreamName=stream)
        now = int(time.time() * 1000)
        for start in range(0, len(lines), 1000):
            logs.put_log_events(
                logGroupName=f"/aws/lambda/{function.name}",
                logStreamName=stream,
                logEvents=[{"timestamp": now, "message": line} for line in lines[start : start + 1000]],
            )


def _signed_headers(body: bytes, environment: Mapping[str, str]) -> dict[str, str]:
    """Headers of a request signed as the function expects: over `<timestamp>.<body>` when it reads a timestamp."""
    from genesys_audit.ingestion.signature import sign

    headers = {"content-type": "application/json"}
    timestamp_header = environment.get("SIGNATURE_TIMESTAMP_HEADER")
    timestamp = str(int(time.time())) if timestamp_header else None
    if timestamp_header and timestamp:
        headers[timestamp_header] = timestamp
    headers[environment.get("SIGNATURE_HEADER") or "X-Hub-Signature-256"] = sign(body, WEBHOOK_SECRET, timestamp)
    return headers


def _http_event(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) request for `POST /events`."""
    return {
        "version": "2.0",
        "routeKey": "POST /events",
        "rawPath": "/events",
        "rawQueryString": "",
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "simulated",
            "domainName": "simulated.execute-api.local",
            "http": {
                "method": "POST",
                "path": "/events",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "genesys-audit-simulate",
            },
            "requestId": f"sim-{time.monotonic_ns()}",
            "routeKey": "POST /events",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def _secret_value(variable: str, chat: Receiver) -> str | None:
    """What the simulator stores in a secret, judged by the environment variable that names it."""
    name = variable.upper()
    if "GENESYS_CREDENTIALS" in name:  # name enrichment: the fake Genesys API's OAuth client
        return json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    if "SLACK" in name:
        return json.dumps({"url": f"{chat.base_url}/slack/services/T000/B000/XXXX"})
    if "TEAMS" in name:
        return json.dumps({"url": f"{chat.base_url}/teams/workflows/simulated"})
    if "PAGERDUTY" in name:
        return json.dumps({"routing_key": "simulated-routing-key", "url": f"{chat.base_url}/pagerduty/v2/enqueue"})
    if any(word in name for word in ("SIGN", "HMAC", "WEBHOOK", "SECRET")):
        return json.dumps({"current": WEBHOOK_SECRET})
    return None


class Simulator:
    """Plans a directory as applied, builds it in moto and replays events through it."""

    def __init__(self, directory: str | Path, progress: Progress) -> None:
        self.directory = Path(directory)
        self.progress = progress
        self.genesys: FakeGenesys | None = None

    def run(self, events: list[Event]) -> Simulation:
        """The whole simulation (moto is active only inside)."""
        from moto import mock_aws

        started = time.monotonic()
        self.progress(f"[1/5] planning {self.directory} offline, as applied ...")
        plan = harness.plan(self.directory, as_applied=True)
        topology = topo.read(plan)
        self.progress(
            f"      {len(plan.resources())} resources: {len(topology.rules)} rules, {len(topology.queues)} queues, "
            f"{len(topology.log_groups)} log groups, {len(topology.topics)} topics, "
            f"{len({f.arn for f in topology.functions.values()})} functions, {len(topology.firehoses)} streams"
        )
        credentials = dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "testing")
        chat, hec = Receiver().start(), Receiver().start()
        enriching = any(f.environment.get("GENESYS_ENRICHMENT_ENABLED") == "true" for f in topology.functions.values())
        try:
            with envvars.patched(credentials), mock_aws(), contextlib.ExitStack() as stack:
                if enriching:  # the functions read names from the fake Genesys API on 127.0.0.1
                    slow = {f"/api/v2/users/{SLOW_USER_ID}": SLOW_LOOKUP_SECONDS}
                    fake = FakeGenesys(directory=sample_directory(), slow_paths=slow)
                    self.genesys = stack.enter_context(serve(fake))
                return self._simulate(topology, events, chat, hec, started)
        finally:
            chat.stop()
            hec.stop()

    def _simulate(
        self, topology: topo.Topology, events: list[Event], chat: Receiver, hec: Receiver, started: float
    ) -> Simulation:
        self.progress("[2/5] creating the resources in the embedded AWS (moto) ...")
        aws = EmbeddedAws(topology)
        aws.build()
        base_env = {
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "GenesysAuditSimulation",
            "POWERTOOLS_DEV": "false",
            "PAGERDUTY_EVENTS_URL": f"{chat.base_url}/pagerduty/v2/enqueue",
            "PAGERDUTY_URL": f"{chat.base_url}/pagerduty/v2/enqueue",
        }
        # The report shows what happened; the handlers' INFO logs would drown it.
        runtime = LambdaRuntime(REPO / "lambda_src", base_env, {"POWERTOOLS_LOG_LEVEL": "WARNING"})
        for function in {f.arn: f for f in topology.functions.values()}.values():
            for variable, value in function.environment.items():
                secret = _secret_value(variable, chat) if is_secret_arn(value) else None
                if secret is not None:
                    runtime.overrides.setdefault(function.arn, {})[variable] = aws.put_secret(value, secret)
            if self.genesys is not None and function.environment.get("GENESYS_ENRICHMENT_ENABLED") == "true":
                overrides = runtime.overrides.setdefault(function.arn, {})
                overrides["GENESYS_API_BASE_URL"] = self.genesys.url  # the region's API, served on loopback
                if function.environment.get("FINDING_SINK") == "log":  # findings to the report, not the log
                    overrides["FINDING_SINK"] = finding_sink.SINK
        finding_sink.FINDINGS.clear()
        router = Router(aws, runtime, hec)
        ingestion = next((f for f in topology.functions.values() if f.handler.startswith("ingestion.")), None)
        partner_buses = [b for b in topology.buses if b.startswith("aws.partner/")]
        custom_buses = [b for b in topology.buses if not b.startswith("aws.partner/")]
        notes = list(topology.notes)
        self.progress(f"[3/5] replaying {len(events)} events ...")
        traces: list[Trace] = []
        for number, event in enumerate(events, start=1):
            source = str(event.body.get("source", ""))
            if source.startswith("aws.partner/") and partner_buses:
                bus = source if source in partner_buses else partner_buses[0]
                trace = Trace(event.id, event.file, "partner", bus)
                router.route(event.body, bus, trace)
                traces.append(trace)
            elif custom_buses:
                traces.extend(
                    self._webhook(
                        event, aws=aws, router=router, runtime=runtime, ingestion=ingestion, bus=custom_buses[0]
                    )
                )
            else:
                trace = Trace(event.id, event.file, "none", "-")
                trace.notes.append("no bus in the plan accepts this event")
                traces.append(trace)
            if number % 10 == 0 or number == len(events):
                self.progress(f"      {number}/{len(events)} events replayed")
        self.progress("[4/5] running the queue consumers ...")
        consumers = router.run_consumers()
        self.progress("[5/5] collecting what every target received ...")
        _ship_function_logs(aws, runtime, topology)
        alerts = self._alerts(aws)
        dead_letter_arns = {q.dead_letter_arn for q in topology.queues.values() if q.dead_letter_arn}
        dead_letter_arns |= {t.dead_letter_arn for ts in topology.targets.values() for t in ts if t.dead_letter_arn}
        dead_letter_arns |= {f.dead_letter_arn for f in topology.functions.values() if f.dead_letter_arn}
        dead_letters = {
            arn.rsplit(":", 1)[-1]: [
                {"body": m["Body"], "attributes": m.get("MessageAttributes", {})}
                for m in aws.drain(queue_url(arn), region_of(arn))
            ]
            for arn in sorted(a for a in dead_letter_arns if a and a.split(":")[2] == "sqs")
        }
        log_events: dict[str, int] = {}
        for arn, group in topology.log_groups.items():
            logs = aws.client("logs", region_of(arn))
            count = sum(
                len(page["events"]) for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group)
            )
            log_events[group] = count
        delivered: Counter[str] = Counter(
            d.target for trace in traces for d in trace.deliveries if d.outcome == "delivered"
        )
        notes.extend(aws.notes)
        return Simulation(
            directory=str(self.directory),
            traces=traces,
            alerts=alerts,
            chat=dict(Counter(r.path.split("/")[1] for r in chat.requests)),
            chat_messages=[(r.path.split("/")[1], r.body) for r in chat.requests],
            hec_records=router.hec_records,
            log_events=log_events,
            dead_letters=dead_letters,
            consumers=consumers,
            metrics={name: emf_totals(lines) for name, lines in sorted(runtime.logs.items())},
            notes=notes,
            seconds=time.monotonic() - started,
            engine_note=(
                "Rules were matched by the project's pattern engine (genesys_audit.eventpattern): moto's "
                "matcher skips most validation and arrays of objects, and its PutRule cannot address partner "
                "buses. moto provided SQS (with redrive), CloudWatch Logs, SNS, DynamoDB, Secrets Manager and "
                "the custom bus's PutEvents; Firehose delivery to Splunk was emulated by POSTing HEC events "
                "to a receiver on 127.0.0.1."
            ),
            delivered=delivered,
            genesys_url=self.genesys.url if self.genesys is not None else None,
            findings=list(finding_sink.FINDINGS),
            invocations=list(runtime.invocations),
        )

    def _webhook(
        self,
        event: Event,
        *,
        aws: EmbeddedAws,
        router: Router,
        runtime: LambdaRuntime,
        ingestion: topo.Function | None,
        bus: str,
    ) -> list[Trace]:
        region = aws.topology.buses[bus]
        if ingestion is None:
            trace = Trace(event.id, event.file, "direct", bus)
            trace.notes.append("no ingestion Lambda in the plan: put directly on the bus")
            router.route(event.body, bus, trace)
            return [trace]
        body = json.dumps(event.body.get("detail", event.body)).encode()
        response = runtime.invoke(
            ingestion,
            _http_event(body, _signed_headers(body, ingestion.environment)),
        )
        status = response.get("statusCode") if isinstance(response, dict) else None
        tapped = aws.drain(aws.taps[bus], region)
        traces: list[Trace] = []
        for message in tapped:
            routed = json.loads(message["Body"])
            trace = Trace(event.id, event.file, f"webhook ({status})", bus)
            router.route(routed, bus, trace)
            traces.append(trace)
        if not traces:
            trace = Trace(event.id, event.file, f"webhook ({status})", bus)
            trace.notes.append(f"the ingestion Lambda answered {status} and put nothing: {response}")
            traces.append(trace)
        return traces

    @staticmethod
    def _alerts(aws: EmbeddedAws) -> list[Alert]:
        alerts: list[Alert] = []
        for topic_arn in aws.topology.topics:
            for message in aws.drain(aws.taps[topic_arn], region_of(topic_arn)):
                envelope = json.loads(message["Body"])
                attributes = {k: v.get("Value", "") for k, v in (envelope.get("MessageAttributes") or {}).items()}
                alerts.append(
                    Alert(
                        aws.topology.topics[topic_arn],
                        envelope.get("Subject") or "",
                        envelope.get("Message", ""),
                        attributes,
                    )
                )
        return alerts


def simulate(
    directory: str | Path, events_dir: str | Path | Sequence[str | Path], progress: Progress | None = None
) -> Simulation:
    """Plan `directory` as applied, build it in moto and replay the events of `events_dir` (one or more
    directories or JSONL files, in order)."""
    return Simulator(directory, progress or (lambda _: None)).run(load_corpus(events_dir))
