"""SOC views planned from examples/complete: hunting query definitions over the trail and the pipeline dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from genesys_audit_tools import hunting
from genesys_audit_tools.rules import rules_from_plan

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
PREFIX = "module.genesys_audit.module.hunting."


@pytest.fixture(scope="module")
def complete(tf_plan):
    return tf_plan(REPO / "examples" / "complete")


def _emitted_metric_names(path: Path) -> set[str]:
    """Metric names the alert function emits (M_* = "Name" constants of its handler)."""
    return set(re.findall(r'^M_[A-Z_]+ = "([A-Za-z]+)"', path.read_text(), re.M))


def test_one_query_definition_per_catalog_rule_over_the_trail(complete):
    queries = {r.values["name"]: r.values for r in complete.resources("aws_cloudwatch_query_definition")}
    deployed = {r.key for r in rules_from_plan(complete.raw)}
    catalog = [r for r in hunting.load_catalog() if r["key"] in deployed]
    assert len(catalog) >= 17
    assert set(queries) == {f"genesys-audit/hunting/{r['key']}" for r in catalog}
    trail = complete.resource("module.genesys_audit.module.trail.aws_cloudwatch_log_group.this[0]").values["name"]
    generated = hunting.rule_queries(catalog)
    for q in generated:
        planned = queries[f"genesys-audit/hunting/{q.key}"]
        assert planned["log_group_names"] == [trail]
        assert planned["query_string"] == q.insights
        hunting.check_insights(planned["query_string"])


def test_dashboard_widgets_name_the_metrics_the_pipeline_emits(complete):
    (dashboard,) = complete.resources("aws_cloudwatch_dashboard")
    assert dashboard.values["dashboard_name"] == "genesys-audit-pipeline"
    widgets = json.loads(dashboard.values["dashboard_body"])["widgets"]
    titles = [w["properties"]["title"] for w in widgets]
    assert any(t.startswith("Events in") for t in titles) and any(t.startswith("Silence") for t in titles)
    metrics = [m for w in widgets if w["type"] == "metric" for m in w["properties"]["metrics"]]
    by_name: dict[str, list[list[str]]] = {}
    for m in metrics:
        by_name.setdefault(m[1], []).append(m)

    # The rules' EventBridge metrics, with the dimensions of the monitoring module's alarms.
    alarms = {a.values["alarm_name"]: a.values for a in complete.resources("aws_cloudwatch_metric_alarm")}
    failed = [a for a in alarms.values() if a["metric_name"] == "FailedInvocations"]
    assert failed
    for alarm in failed:
        dims = alarm["dimensions"]
        assert [
            "AWS/Events",
            "FailedInvocations",
            "RuleName",
            dims["RuleName"],
            "EventBusName",
            dims["EventBusName"],
        ] in metrics
    (silence,) = [a for a in alarms.values() if a["metric_name"] == "MatchedEvents"]
    trail_metric = [
        "AWS/Events",
        "MatchedEvents",
        "RuleName",
        silence["dimensions"]["RuleName"],
        "EventBusName",
        silence["dimensions"]["EventBusName"],
    ]
    assert metrics.count(trail_metric) == 2  # events in, silence
    # Every DLQ depth alarm's queue is on the dashboard.
    for alarm in alarms.values():
        if alarm["metric_name"] == "ApproximateNumberOfMessagesVisible":
            assert [
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                alarm["dimensions"]["QueueName"],
            ] in metrics

    # The alert function's EMF metrics: names from its handler, namespace and service from its environment.
    function = complete.resource("module.genesys_audit.module.alerting.module.function.aws_lambda_function.this[0]")
    env = function.values["environment"][0]["variables"]
    emitted = _emitted_metric_names(REPO / "lambda_src" / "alert" / "handler.py")
    alert_metrics = [m for m in metrics if m[0] == env["POWERTOOLS_METRICS_NAMESPACE"]]
    assert {m[1] for m in alert_metrics} <= emitted and "AlertsSent" in {m[1] for m in alert_metrics}
    assert all(m[2:] == ["service", env["POWERTOOLS_SERVICE_NAME"]] for m in alert_metrics)

    # Every alarm of the monitoring module is on the alarm widget.
    arns = [a for w in widgets if w["type"] == "alarm" for a in w["properties"]["alarms"]]
    assert all(len(w["properties"]["alarms"]) <= 100 for w in widgets if w["type"] == "alarm")
    monitoring = [
        a.values["alarm_name"] for a in complete.resources("aws_cloudwatch_metric_alarm") if ".monitoring." in a.address
    ]
    assert monitoring
    assert sorted(a.rsplit(":alarm:", 1)[1] for a in arns) == sorted(monitoring)


def test_off_by_default(tf_plan):
    plan = tf_plan(REPO / "examples" / "minimal")
    assert plan.resources("aws_cloudwatch_query_definition") == []
    assert plan.resources("aws_cloudwatch_dashboard") == []
