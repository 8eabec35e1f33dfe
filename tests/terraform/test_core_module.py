"""Plan tests of the core module through its examples: inventories, patterns, policies, residency, regions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genesys_audit import eventpattern
from genesys_audit_tools import rules as rules_cli

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-examples")]

REPO = Path(__file__).resolve().parents[2]
INVENTORIES = Path(__file__).parent / "inventories"
EVENTS = REPO / "tests" / "fixtures" / "events"
BURSTS = REPO / "tests" / "fixtures" / "bursts"
CATALOG = json.loads((REPO / "modules" / "audit-rules" / "catalog.json").read_text())["rules"]
# Threshold (burst) rules go to the threshold function only (not the queue).
THRESHOLD_ONLY = [r["key"] for r in CATALOG if r["destinations"] == ["threshold"]]
DETAIL_TYPE = ["v2.audits.entitytype.{id}.entityid.{id}"]
ORG = "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"
SOURCE = f"aws.partner/genesys.com/cloud/{ORG}/audit-events"
ACCOUNT = "123456789012"
EXAMPLES = ["minimal", "complete", "multi-region", "webhook-ingestion", "splunk", "genesys-integration"]
# examples/complete's exclusions
AUTOMATION = ["d4e5f6a7-4444-4d4d-9e9e-000000000004", "f0f0f0f0-aaaa-4aaa-8aaa-00000000a070"]
EXCLUDED_USERS = ["9f9f9f9f-0000-4000-8000-00000000e0e0"]


@pytest.fixture(scope="module")
def complete(tf_plan):
    return tf_plan(REPO / "examples" / "complete")


@pytest.fixture(scope="module")
def multi_region(tf_plan):
    return tf_plan(REPO / "examples" / "multi-region")


def _rules(plan, module="module.genesys_audit"):
    """The audit rules of a pipeline by catalog key (not the backfill's schedule)."""
    return {
        r.values["tags"]["genesys-audit:rule"]: r
        for r in plan.resources("aws_cloudwatch_event_rule")
        if r.address.startswith(module + ".") and "genesys-audit:rule" in r.values["tags"]
    }


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_plans_its_inventory(tf_plan, example):
    plan = tf_plan(REPO / "examples" / example)
    inventory = json.loads((INVENTORIES / f"{example}.json").read_text())
    assert plan.count_by_type() == inventory["resource_counts"]
    assert len(plan.resources()) == inventory["total"]


def test_disabled_module_creates_nothing_and_outputs_nulls(tf_plan):
    plan = tf_plan(Path(__file__).parent / "fixtures" / "disabled_root")
    assert plan.resources() == []
    # the root reads the caller identity and partition; none of its modules reads anything
    assert [d.address for d in plan.data_sources() if d.address.startswith("module.disabled.module")] == []
    pipeline = plan.raw["output_changes"]["pipeline"]["after"]
    ids = {k: v for k, v in pipeline.items() if k not in ("region", "rule_arns", "dlq_urls")}
    assert ids == dict.fromkeys(ids) and len(ids) == 15, ids
    assert pipeline["rule_arns"] == []
    assert pipeline["dlq_urls"] == dict.fromkeys(["targets", "bus", "queue", "alert"])


def test_partner_bus_is_named_exactly_after_the_partner_source(complete):
    (bus,) = complete.resources("aws_cloudwatch_event_bus")
    assert bus.values["name"] == SOURCE and bus.values["event_source_name"] == SOURCE
    (archive,) = complete.resources("aws_cloudwatch_event_archive")
    assert archive.values["retention_days"] == 400


def _expected_catalog_pattern(entry):
    body = {}
    if entry["match"]["entity_types"]:
        body["entityType"] = entry["match"]["entity_types"]
    if entry["match"].get("actions"):
        body["action"] = entry["match"]["actions"]
    if entry["match"].get("properties"):
        body["propertyChanges"] = {"property": entry["match"]["properties"]}
    if entry["match"].get("service_names"):
        body["serviceName"] = entry["match"]["service_names"]
    body["clientId"] = {"id": [{"exists": False}, {"anything-but": AUTOMATION}]}
    body["userId"] = [{"exists": False}, {"anything-but": EXCLUDED_USERS}]
    body["remoteIp"] = [{"exists": False}, {"anything-but": {"prefix": ["10.20."]}}]
    return {"source": [SOURCE], "detail-type": DETAIL_TYPE, "detail": {"eventBody": body}}


@pytest.mark.parametrize("entry", CATALOG, ids=[e["key"] for e in CATALOG])
def test_catalog_pattern_is_rendered_with_exclusions(complete, entry):
    rule = _rules(complete)[entry["key"]]
    pattern = rule.json("event_pattern")
    assert pattern == _expected_catalog_pattern(entry)
    eventpattern.validate(pattern)  # EventBridge would accept it, within the default 2,048-character quota
    assert len(rule.values["event_pattern"]) <= eventpattern.DEFAULT_MAX_PATTERN_SIZE
    assert rule.values["event_bus_name"] == SOURCE
    expected_severity = "HIGH" if entry["key"] == "division-move" else entry["severity"]
    assert rule.values["tags"]["genesys-audit:severity"] == expected_severity
    assert rule.values["description"] == entry["title"]


def _oauth_delete(**changes):
    event = json.loads((EVENTS / "01_oauthclient_delete.json").read_text())
    body = event["detail"]["eventBody"]
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return event


def test_exclusions_keep_events_without_the_field_and_drop_excluded_values(complete):
    pattern = _rules(complete)["oauth-client-delete"].json("event_pattern")
    assert eventpattern.matches(pattern, _oauth_delete())
    # Events that lack clientId (or have an empty one), userId or remoteIp are kept...
    assert eventpattern.matches(pattern, _oauth_delete(clientId=None))
    assert eventpattern.matches(pattern, _oauth_delete(clientId={}))
    assert eventpattern.matches(pattern, _oauth_delete(userId=None, remoteIp=None))
    # ...while our automation clients, excluded users and trusted networks are dropped.
    for client in AUTOMATION:
        assert not eventpattern.matches(pattern, _oauth_delete(clientId={"id": client}))
    assert not eventpattern.matches(pattern, _oauth_delete(userId=EXCLUDED_USERS[0]))
    assert not eventpattern.matches(pattern, _oauth_delete(remoteIp=["10.20.30.40"]))
    # remoteIp is an array: one untrusted hop keeps the event.
    assert eventpattern.matches(pattern, _oauth_delete(remoteIp=["10.20.30.40", "203.0.113.9"]))
    assert eventpattern.matches(pattern, _oauth_delete(remoteIp=["10.200.0.1"]))


def test_trail_rule_takes_everything_but_presence_noise(complete):
    pattern = _rules(complete)["all-audits"].json("event_pattern")
    assert pattern == {
        "source": [SOURCE],
        "detail-type": DETAIL_TYPE,
        "detail": {"eventBody": {"entityType": [{"exists": False}, {"anything-but": ["UserPresence"]}]}},
    }
    assert "genesys-audit:severity" not in _rules(complete)["all-audits"].values["tags"]


def test_every_rule_over_the_corpus_meets_the_expectations(complete):
    """Issue 4's acceptance: every rendered rule of examples/complete over the fixture corpus."""
    report = rules_cli.evaluate(
        rules_cli.rules_from_plan(complete.raw),
        rules_cli.load_corpus([EVENTS, BURSTS]),  # the burst fixtures exercise the threshold rules
        rules_cli.load_expectations(EVENTS / "expectations.json"),
    )
    assert report.failures == []
    bursts = sum(len(json.loads(p.read_text())) for p in BURSTS.glob("[0-9]*.json"))
    assert len(report.events) == len(list(EVENTS.glob("[0-9]*.json"))) + bursts
    assert report.unmatched_rules() == []


def test_queue_policy_allows_only_our_rules_by_exact_arn(complete):
    """Exactly the rules routed to the queue: the catalog detections and the custom rule, not the trail rule."""
    rule_arns = sorted(
        f"arn:aws:events:eu-central-1:{ACCOUNT}:rule/{SOURCE}/{r.values['name']}"
        for k, r in _rules(complete).items()
        if k != "all-audits" and k not in THRESHOLD_ONLY
    )
    policies = {r.address: r.json("policy") for r in complete.resources("aws_sqs_queue_policy")}
    queue = policies["module.genesys_audit.module.queue.module.queue.aws_sqs_queue_policy.this[0]"]
    allow, deny = queue["Statement"]
    assert allow["Effect"] == "Allow" and allow["Action"] == "sqs:SendMessage"
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Resource"] == f"arn:aws:sqs:eu-central-1:{ACCOUNT}:genesys-audit-detections"
    assert sorted(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_arns
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    for document in policies.values():
        for statement in document["Statement"]:
            if statement["Effect"] == "Allow":
                assert statement["Principal"] != "*" and "*" not in json.dumps(statement["Action"])
                assert "*" not in json.dumps(statement["Resource"])


def test_logs_resource_policy_is_scoped_to_the_rule_arns(complete):
    (policy,) = complete.resources("aws_cloudwatch_log_resource_policy")
    (statement,) = policy.json("policy_document")["Statement"]
    assert statement["Resource"] == f"arn:aws:logs:eu-central-1:{ACCOUNT}:log-group:/aws/events/genesys-audit:*"
    # Only the trail rule writes to the trail (the policy's quota is 5,120 characters).
    trail_rule = _rules(complete)["all-audits"].values["name"]
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == (
        f"arn:aws:events:eu-central-1:{ACCOUNT}:rule/{SOURCE}/{trail_rule}"
    )


def test_every_target_has_retry_policy_and_dead_letter_queue(complete):
    targets = complete.resources("aws_cloudwatch_event_target")
    # Every target is made by modules/audit-rules, whatever the destination.
    assert {t.module_address for t in targets} == {"module.genesys_audit.module.rules"}
    alert_targets = [t for t in targets if t.index.endswith("/alert")]
    threshold_targets = [t for t in targets if t.index.endswith("/threshold")]
    rules_targets = [t for t in targets if t not in alert_targets and t not in threshold_targets]
    assert sorted(t.index for t in threshold_targets) == sorted(f"{k}/threshold" for k in THRESHOLD_ONLY)
    # 39 catalog detections + the custom rule to the queue, the trail rule to the trail and to Splunk...
    assert len(rules_targets) == len([e for e in CATALOG if "queue" in e["destinations"]]) + 1 + 2 == 42
    # ...and every detection whose catalog destinations include "alert" to the alert Lambda (a severity
    # override does not change destinations).
    alerting = [e["key"] for e in CATALOG if "alert" in e["destinations"]]
    assert sorted(t.index for t in alert_targets) == sorted(f"{k}/alert" for k in alerting)
    for target in targets:
        assert target.values["retry_policy"] == [{"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 185}]
        assert len(target.values["dead_letter_config"]) == 1, target.address
    # Keys are scoped per rule: "<rule>/<destination>".
    assert {t.index for t in rules_targets} >= {"oauth-client-delete/queue", "all-audits/trail", "all-audits/siem"}


def test_nothing_is_on_the_default_bus(tf_plan):
    """No audit rule or target on the default bus; only the backfill's schedule, which AWS runs there only."""
    for example in EXAMPLES:
        plan = tf_plan(REPO / "examples" / example)
        rules = plan.resources("aws_cloudwatch_event_rule")
        schedules = {r.values["name"] for r in rules if r.values.get("schedule_expression")}
        assert schedules <= {"genesys-audit-backfill"}, example
        for resource in rules + plan.resources("aws_cloudwatch_event_target"):
            if resource.values.get("name", resource.values.get("rule")) in schedules:
                assert resource.values.get("event_pattern") is None, resource.address
                continue
            assert resource.values["event_bus_name"] not in (None, "", "default"), resource.address


def test_data_residency_refuses_a_region_outside_the_boundary(tf_try_plan):
    outcome = tf_try_plan(REPO / "examples" / "minimal", region="us-east-1")
    assert not outcome.ok
    assert 'data_residency = "EU" does not allow region "us-east-1"' in outcome.output
    assert 'set data_residency = "ANY"' in outcome.output


def test_invalid_source_suffix_is_refused_with_the_rule(tf_try_plan):
    outcome = tf_try_plan(REPO / "examples" / "minimal", event_source_suffix="has spaces!")
    assert not outcome.ok
    assert "event_source_suffix must be 1-64 of letters, digits" in outcome.output


def test_multi_region_resources_carry_their_region_and_names_do_not_collide(multi_region):
    resources = multi_region.resources()
    by_region: dict[str, int] = {}
    for resource in resources:
        region = resource.address.split('module.genesys_audit["', 1)[1].split('"]', 1)[0]
        assert resource.region == region, resource.address
        by_region[region] = by_region.get(region, 0) + 1
    assert by_region == {"eu-central-1": 181, "eu-west-1": 181}
    seen = set()
    for resource in resources:
        name = resource.values.get("name") or resource.values.get("alarm_name") or resource.values.get("policy_name")
        if name is None:
            continue
        key = (resource.type, resource.region, name)
        assert key not in seen, f"{key} planned twice"
        seen.add(key)
    buses = {r.values["name"] for r in multi_region.resources("aws_cloudwatch_event_bus")}
    assert buses == {f"aws.partner/genesys.com/cloud/{ORG}/audit-de", f"aws.partner/genesys.com/cloud/{ORG}/audit-ie"}


def test_rules_test_cli_plans_a_directory_and_prints_a_coverage_table(capsys):
    from genesys_audit_tools import cli

    code = cli.main(
        [
            "rules",
            "test",
            "--dir",
            str(REPO / "examples" / "complete"),
            "--events",
            str(EVENTS),
            "--events",
            str(BURSTS),
            "--format",
            "markdown",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "| `oauth-client-delete` | CRITICAL | OAuth client deleted | 2: `01_oauthclient_delete.json`, " in out
    assert "0 rules matched nothing, 0 expectation failures" in out and "All expectations hold." in out


def test_rules_lint_finds_no_trap_in_the_rendered_catalog(complete, capsys, tmp_path):
    from genesys_audit_tools import cli

    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(complete.raw))
    code = cli.main(["rules", "lint", "--plan", str(plan_file), "--events", str(EVENTS), "--strict"])
    assert code == 0
    assert f"{len(CATALOG) + 2} rules linted: 0 errors, 0 warnings" in capsys.readouterr().out  # + custom, trail


def test_webhook_example_rules_accept_the_custom_event_source_the_webhook_and_backfill_put(tf_plan):
    plan = tf_plan(REPO / "examples" / "webhook-ingestion")
    rules = _rules(plan)
    assert rules["oauth-client-delete"].json("event_pattern")["source"] == ["genesys.audit.webhook"]
    # custom_event_source is the one source of the custom bus: both writers put events with it.
    writers = {
        f.address: f.values["environment"][0]["variables"]["EVENT_SOURCE"]
        for f in plan.resources("aws_lambda_function")
        if ".webhook." in f.address or ".backfill." in f.address
    }
    assert len(writers) == 2 and set(writers.values()) == {"genesys.audit.webhook"}, writers
    assert {r.values["event_bus_name"] for r in rules.values()} == {"genesys-audit-webhook"}
    (bus,) = plan.resources("aws_cloudwatch_event_bus")
    assert bus.values["name"] == "genesys-audit-webhook" and bus.values.get("event_source_name") is None
    webhook_event = json.loads((EVENTS / "36_webhook_path_oauthclient_delete.json").read_text())
    assert eventpattern.matches(rules["oauth-client-delete"].json("event_pattern"), webhook_event)


ROOT_VALID = {"region": '"eu-central-1"', "genesys_org_id": f'"{ORG}"', "event_source_suffix": '"audit-events"'}
KEYS = ", ".join(sorted(r["key"] for r in CATALOG))


def test_root_refuses_a_bus_type_or_lambda_architecture_it_does_not_know_naming_the_root_input(tf_module_refusals):
    output = tf_module_refusals(".", ROOT_VALID, {"bus_type": '"Partner"', "lambda": '{ architecture = "arm" }'})
    assert 'lambda.architecture must be "x86_64" or "arm64"; got "arm".' in output
    assert (
        'bus_type must be "partner" (the Genesys partner event source) or "custom" (a custom bus fed by the '
        'webhook and the backfill); got "Partner".' in output
    )
    assert "type must be" not in output.replace("bus_type must be", "")  # not the submodule's words


def test_root_refuses_catalog_keys_that_are_not_catalog_rules(tf_module_refusals):
    catalog = (
        '{ disabled = ["role-change", "oauth-client-delet"], severity = { "mfa-chang" = "HIGH" }, '
        'destinations = { "division-mov" = ["queue"] } }'
    )
    output = tf_module_refusals(".", ROOT_VALID, {"catalog": catalog})
    keys = f"the catalog's rule keys are {KEYS}"
    assert f'catalog.disabled names rules the catalog does not have: ["oauth-client-delet"]; {keys}.' in output
    assert (
        f'catalog.severity has keys that are not catalog rules: ["mfa-chang"]; {keys} '
        "(set a custom rule's severity in custom_rules)." in output
    )
    assert (
        f'catalog.destinations has keys that are not catalog rules: ["division-mov"]; {keys} '
        "(route a custom rule with custom_rules[*].destinations)." in output
    )


def test_root_refuses_destinations_the_pipeline_does_not_have(tf_module_refusals):
    # siem is a path of the module, but off in this pipeline: a rule routed there would get no target.
    pattern = 'jsonencode({ detail = { eventBody = { entityType = ["Flow"] } } })'
    custom_rule = (
        f'{{ "flow-publish" = {{ title = "Flow published", severity = "MEDIUM", event_pattern = {pattern}, '
        'destinations = ["queue", "slack"] } }'
    )
    output = tf_module_refusals(
        ".",
        ROOT_VALID,
        {"catalog": '{ destinations = { "role-change" = ["queue", "siem"] } }', "custom_rules": custom_rule},
    )
    fix = '["queue","trail"] (switch a path on with its `enabled`, or add the destination to `destinations`).'
    assert (
        f'catalog.destinations routes to destinations this pipeline does not have: ["siem"]; its destinations are {fix}'
        in (output)
    )
    assert (
        f'custom_rules route to destinations this pipeline does not have: ["slack"]; its destinations are {fix}'
        in output
    )
