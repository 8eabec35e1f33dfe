"""Alert rendering without AWS: subject rules, facts, redaction, and each channel's payload shape."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from genesys_audit.alerting.message import (
    SUBJECT_MAX,
    AlertInput,
    AlertInputError,
    build_alert,
    pagerduty_payload,
    parse_input,
    slack_payload,
    sns_attributes,
    subject,
    teams_payload,
)
from genesys_audit.audit import AuditView
from genesys_audit.consumer.findings import finding, nothing_changed, watched_changes
from genesys_audit.record import FIELD_NAMES

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def wrapped(evt: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "rule": "oauth-client-delete",
        "severity": "CRITICAL",
        "title": "OAuth client deleted",
        "runbook_url": "https://runbooks.example.com/genesys#oauth-client-delete",
        "event": evt,
        **extra,
    }


def test_subject_of_the_oauth_client_delete_fits_sns_and_keeps_actor_and_action() -> None:
    alert = build_alert(parse_input(wrapped(event("01_oauthclient_delete.json"))))
    assert alert.subject == (
        "CRITICAL: OAuthClient [Legacy Reporting Cl...] Delete by user [a1b2c3d4-1111-4a4a-8b8b-000000000001]"
    )
    assert len(alert.subject) == SUBJECT_MAX


def test_subject_names_the_client_when_no_user_acted() -> None:
    alert = build_alert(parse_input(wrapped(event("37_user_division_move_automation.json"), severity="medium")))
    # no entity name: the entity id stands in, shortened so the actor survives
    assert alert.subject == (
        "MEDIUM: User [b2c3d4e5-2222-4b4b-9c9c-00...] Update by client [f0f0f0f0-aaaa-4aaa-8aaa-00000000a070]"
    )
    assert dict(alert.facts)["Who"] == "OAuth client f0f0f0f0-aaaa-4aaa-8aaa-00000000a070 (no user: client credentials)"


def test_minimal_record_renders_without_fields() -> None:
    alert = build_alert(parse_input(event("34_role_member_add_minimal.json")))
    assert alert.severity == "HIGH" and alert.rule is None
    assert alert.subject.startswith("HIGH: Role [") and alert.subject.endswith("MemberAdd by unknown [unknown]")
    assert dict(alert.facts)["Rule"] == "unknown rule"


@given(
    severity=st.sampled_from(["CRITICAL", "HIGH", "low"]),
    name=st.text(max_size=300),
    entity_type=st.text(max_size=80),
    action=st.text(max_size=80),
    user=st.text(max_size=200),
)
def test_subject_is_always_one_line_of_at_most_100_ascii_characters(
    severity: str, name: str, entity_type: str, action: str, user: str
) -> None:
    record = {"entityType": entity_type, "action": action, "userId": user, "entity": {"name": name}}
    text = subject(severity, AuditView.of({"detail": {"eventBody": record}}))
    assert 0 < len(text) <= SUBJECT_MAX
    assert text.isascii() and text.isprintable() and "\n" not in text


def test_accents_and_line_breaks_are_folded_for_sns() -> None:
    view = AuditView.of(
        {
            "detail": {
                "eventBody": {
                    "entityType": "Queue",
                    "action": "Update",
                    "userId": "u",
                    "entity": {"name": "Équipe\nNuit  Zürich"},
                }
            }
        }
    )
    assert subject("HIGH", view) == "HIGH: Queue [Equipe Nuit Zurich] Update by user [u]"


def test_body_has_who_what_when_where_org_changes_and_runbook() -> None:
    evt = event("01_oauthclient_delete.json")
    body = evt["detail"]["eventBody"]
    body["remoteIp"] = ["198.51.100.7", "2001:db8::7"]
    text = build_alert(parse_input(wrapped(evt))).text()
    for expected in (
        "Rule:",
        "oauth-client-delete (OAuth client deleted)",
        f"user {body['userId']}",
        'Delete OAuthClient "Legacy Reporting Client"',
        body["eventTime"],
        f"remote IP {', '.join(body['remoteIp'])}",
        f"AWS region {evt['region']}",
        "Genesys org: 7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70",
        f"Audit id:    {body['id']}",
        "Property changes:",
        "  - scopes: ",
        "Runbook: https://runbooks.example.com/genesys#oauth-client-delete",
    ):
        assert expected in text, expected


def test_secret_values_are_never_rendered() -> None:
    evt = event("02_oauthclient_update_secret.json")
    evt["detail"]["eventBody"]["propertyChanges"] = [
        {"property": "secret", "oldValues": ["old-SECRET-value"], "newValues": ["new-SECRET-value"]},
        {"property": "clientToken", "newValues": ["tok-SECRET"]},
        {"property": "name", "oldValues": ["a"], "newValues": ["b"]},
    ]
    alert = build_alert(parse_input(wrapped(evt)))
    assert alert.changes == (
        "secret: changed (value redacted)",
        "clientToken: changed (value redacted)",
        "name: a -> b",
    )
    rendered = json.dumps([alert.text(), slack_payload(alert), teams_payload(alert), pagerduty_payload(alert, "k")])
    assert "SECRET" not in rendered


def test_missing_old_and_new_values_say_so() -> None:
    alert = build_alert(parse_input(event("03_recording_delete.json")))
    view = AuditView.of(
        {"detail": {"eventBody": {"propertyChanges": [{"property": "x"}, {"property": "y", "newValues": [1, 2]}]}}}
    )
    assert [c.summary() for c in view.changes] == ["x: changed (values not sent)", "y: (not sent) -> [1, 2]"]
    assert alert.changes == ()


def test_bare_event_and_bad_inputs() -> None:
    bare = parse_input(event("01_oauthclient_delete.json"))
    assert (bare.rule, bare.severity, bare.title, bare.runbook_url) == (None, "HIGH", None, None)
    with pytest.raises(AlertInputError, match="must be a JSON object"):
        parse_input(["not", "an", "object"])
    with pytest.raises(AlertInputError, match=r"no detail\.eventBody"):
        parse_input({"rule": "x", "event": {"detail": "nope"}})
    with pytest.raises(AlertInputError, match=r"no detail\.eventBody"):
        parse_input({"detail-type": "Scheduled Event", "detail": {}})


def test_slack_payload_is_block_kit_with_escaped_text() -> None:
    evt = event("24_webhook_create.json")
    evt["detail"]["eventBody"]["entity"]["name"] = "<!channel> & exfil"
    payload = slack_payload(build_alert(parse_input(wrapped(evt, severity="HIGH"))))
    assert payload["text"].startswith("HIGH: Webhook [&lt;!channel&gt; &amp; exfil] Create by user [")
    header, fields, *rest = payload["blocks"]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert fields["type"] == "section" and len(fields["fields"]) <= 10
    what = next(f["text"] for f in fields["fields"] if f["text"].startswith("*What*"))
    assert "&lt;!channel&gt; &amp; exfil" in what and "<!channel>" not in what
    assert rest[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "<https://runbooks.example.com/genesys#oauth-client-delete|Runbook>"}],
    }


def test_teams_payload_is_an_adaptive_card_message() -> None:
    alert = build_alert(parse_input(wrapped(event("01_oauthclient_delete.json"))))
    payload = teams_payload(alert)
    [attachment] = payload["attachments"]
    assert payload["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["text"] == alert.subject.replace("[", "\\[").replace("]", "\\]")
    assert card["body"][0]["color"] == "Attention"
    assert {f["title"] for f in card["body"][1]["facts"]} >= {"Who", "What", "When", "Where", "Genesys org"}
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Runbook",
            "url": "https://runbooks.example.com/genesys#oauth-client-delete",
        }
    ]


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("CRITICAL", "critical"), ("HIGH", "error"), ("MEDIUM", "warning"), ("LOW", "info"), ("SOMETHING", "error")],
)
def test_pagerduty_event_dedups_on_the_audit_id_and_rule(severity: str, expected: str) -> None:
    evt = event("01_oauthclient_delete.json")
    alert = build_alert(parse_input(wrapped(evt, severity=severity)))
    message = pagerduty_payload(alert, "routing-key-123")
    body = evt["detail"]["eventBody"]
    assert message["routing_key"] == "routing-key-123" and message["event_action"] == "trigger"
    assert message["dedup_key"] == f"{body['id']}/oauth-client-delete" == alert.dedup_key
    payload = message["payload"]
    assert payload["severity"] == expected and payload["summary"] == alert.subject
    assert payload["source"] == "genesys-cloud-org-7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70"
    assert (payload["component"], payload["class"], payload["timestamp"]) == (
        "OAuthClient",
        "Delete",
        body["eventTime"],
    )
    assert message["links"][0]["href"].endswith("#oauth-client-delete")


def test_sns_attributes_skip_empty_values() -> None:
    alert = build_alert(AlertInput(event={"detail": {"eventBody": {"entityType": "Role"}}}, severity="HIGH"))
    assert sns_attributes(alert) == {
        "severity": {"DataType": "String", "StringValue": "HIGH"},
        "entityType": {"DataType": "String", "StringValue": "Role"},
    }


def test_audit_view_reads_partner_webhook_and_bare_shapes() -> None:
    partner = AuditView.of(event("01_oauthclient_delete.json"))
    assert partner.org_id == "7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70" and partner.region
    webhook = AuditView.of(event("36_webhook_path_oauthclient_delete.json"))
    assert webhook.source == "genesys.audit.webhook"
    body = event("01_oauthclient_delete.json")["detail"]["eventBody"]
    assert AuditView.of(body).audit_id == body["id"] == AuditView.of({"eventBody": body}).audit_id
    garbage = AuditView.of("not a dict")
    assert (garbage.audit_id, garbage.actor_kind, garbage.changes, garbage.remote_ips) == (None, "unknown", (), ())
    odd = AuditView.of({"detail": {"eventBody": {"id": 7, "remoteIp": "1.2.3.4", "propertyChanges": [None, {"x": 1}]}}})
    assert (odd.audit_id, odd.remote_ips) == (None, ())
    # entries without a readable property are changes all the same (never dropped as nothing)
    assert [c.summary() for c in odd.changes] == ["(unnamed property): changed (values not sent)"] * 2


# --- Hostile names: chat markup -------------------------------------------------------------------------

HOSTILE_NAMES = ["<!here>", "<!channel> <https://evil.example|Acknowledge>", "<@U024BE7LH> & <#C024BE7LR>"]


def _texts(node: Any) -> Iterator[str]:
    """Every `text` string anywhere in a Slack payload."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_slack_text_fields_never_carry_a_mention_or_a_link(name: str) -> None:
    evt = event("24_webhook_create.json")
    evt["detail"]["eventBody"]["entity"]["name"] = name
    evt["detail"]["eventBody"]["userDisplay"] = name
    evt["detail"]["eventBody"]["propertyChanges"] = [{"property": "name", "oldValues": [name], "newValues": ["x"]}]
    alert = build_alert(parse_input(wrapped(evt, severity="HIGH")))
    payload = slack_payload(alert)
    texts = list(_texts(payload))
    assert payload["text"] in texts and len(texts) >= 10
    # The only Slack control sequence left is our own runbook link; everything from the record is escaped.
    controls = [m for text in texts for m in re.findall(r"<[^>]*>", text)]
    assert controls == ["<https://runbooks.example.com/genesys#oauth-client-delete|Runbook>"]
    escaped = alert.subject.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert "&lt;" in escaped and payload["text"] == escaped == payload["blocks"][0]["text"]["text"]


def _teams_texts(card: dict[str, Any]) -> list[str]:
    """Every TextBlock text, Fact.Title and Fact.Value (what Teams renders as Markdown)."""
    out = []
    for element in card["body"]:
        if element["type"] == "TextBlock":
            out.append(element["text"])
        elif element["type"] == "FactSet":
            out += [part for fact in element["facts"] for part in (fact["title"], fact["value"])]
    return out


def _rendered(markdown: str) -> tuple[str, str]:
    """(HTML, visible text) of `markdown` through a CommonMark renderer, as Adaptive Card Markdown is."""
    rendered = MarkdownIt("commonmark").render(markdown)
    return rendered, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", rendered)).split())


@pytest.mark.parametrize(
    "name",
    ["[Ack](https://evil.example)", "**URGENT** _click_ <https://evil.example>", "1. step\n- [x](javascript:alert(1))"],
)
def test_teams_card_shows_markdown_in_values_literally(name: str) -> None:
    evt = event("24_webhook_create.json")
    body = evt["detail"]["eventBody"]
    body["entity"]["name"] = name
    body["userDisplay"] = name
    body["propertyChanges"] = [{"property": "name", "oldValues": [name], "newValues": ["[Ok](https://evil.example)"]}]
    alert = build_alert(parse_input(wrapped(evt, severity="HIGH")))
    card = teams_payload(alert)["attachments"][0]["content"]
    texts = _teams_texts(card)
    originals = [alert.subject, *(part for fact in alert.facts for part in fact), "Property changes", *alert.changes]
    for text in texts:
        rendered, _ = _rendered(text)
        assert "<a " not in rendered and "<strong>" not in rendered and "<em>" not in rendered, rendered
        assert "<li>" not in rendered and "<ol" not in rendered, rendered
    # what a reader sees is the original text, character for character (whitespace aside)
    shown = [_rendered(text)[1] for text in texts]
    assert shown[: 1 + 2 * len(alert.facts) + 1] == [" ".join(o.split()) for o in originals[: len(shown) - 1]]
    assert shown[-1] == " ".join(" ".join(alert.changes).split())


# --- Secrets inside values ------------------------------------------------------------------------------

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAleak\n-----END RSA PRIVATE KEY-----"
SECRET_CHANGES = [
    {"property": "configuration", "newValues": [{"clientSecret": "LEAK-1", "name": "ok"}]},
    {"property": "properties", "newValues": ['{"password": "LEAK-2", "user": "svc"}']},
    {"property": "headers", "newValues": ["Content-Type: application/json", "Authorization: Bearer LEAK3abcdef"]},
    {"property": "settings", "newValues": [{"nested": [{"deeper": {"apiKey": "LEAK-4"}}]}]},
    {"property": "passphrase", "newValues": ["LEAK-5"]},
    {"property": "pin", "oldValues": ["LEAK-6"], "newValues": ["LEAK-7"]},
    {"property": "accessKey", "newValues": ["LEAK-8"]},
    {"property": "signingKey", "newValues": ["LEAK-9"]},
    {"property": "authorization", "newValues": ["LEAK-10"]},
    {"property": "description", "newValues": [f"use {JWT} or {AWS_KEY}"]},
    {"property": "certificate", "newValues": [PEM]},
    {"property": "callbackUrl", "newValues": ["https://example.com/cb?token=LEAK-11&x=1"]},
    {"property": "note", "newValues": ['{"config": "{\\"privateKey\\": \\"LEAK-12\\"}"}']},
]
NOT_SECRET = ["svc", "ok", "application/json", "https://example.com/cb?token="]


def test_secrets_nested_in_values_or_shaped_like_secrets_never_leave_in_an_alert_or_a_finding() -> None:
    evt = event("02_oauthclient_update_secret.json")
    evt["detail"]["eventBody"]["propertyChanges"] = SECRET_CHANGES
    evt["detail"]["eventBody"]["entity"]["name"] = f"client Bearer {JWT}"
    alert = build_alert(parse_input(wrapped(evt)))
    view = AuditView.of(evt)
    item = finding(view, watched_changes(view, ()))
    outputs = {
        "text": alert.text(),
        "slack": json.dumps(slack_payload(alert)),
        "teams": json.dumps(teams_payload(alert)),
        "pagerduty": json.dumps(pagerduty_payload(alert, "k")),
        "sns subject": alert.subject,
        "finding": json.dumps(item),
    }
    for where, text in outputs.items():
        for secret in ("LEAK", JWT, JWT.split(".")[1], AWS_KEY, "MIIEowIBAAKCAQEA"):
            assert secret not in text, f"{secret} leaked into the {where}"
    for kept in NOT_SECRET:  # redaction is targeted: ordinary values still show
        assert kept in outputs["text"] and kept in outputs["finding"], kept
    # one redaction: the finding lists exactly the change lines the alert shows
    assert item["changes"] == list(alert.changes)
    assert "configuration: (not sent) -> {\"clientSecret\": \"(redacted)\", \"name\": \"ok\"}" in alert.changes


# --- Any shape in any field -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
CHANGE_ENTRIES = st.fixed_dictionaries(
    {}, optional={"property": JSON_VALUES, "oldValues": JSON_VALUES, "newValues": JSON_VALUES}
)
AUDIT_FIELDS = sorted(FIELD_NAMES)  # every field of the one audit record table
RECORDS = st.fixed_dictionaries(
    {},
    optional={
        **{field: JSON_VALUES for field in AUDIT_FIELDS},
        "propertyChanges": JSON_VALUES | st.lists(CHANGE_ENTRIES | JSON_VALUES, max_size=4),
        "entity": JSON_VALUES | st.fixed_dictionaries({}, optional={"id": JSON_VALUES, "name": JSON_VALUES}),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    record=RECORDS,
    envelope=st.fixed_dictionaries(
        {}, optional={"source": JSON_VALUES, "region": JSON_VALUES, "replay-name": JSON_VALUES, "id": JSON_VALUES}
    ),
    severity=st.sampled_from(["CRITICAL", "LOW"]),
)
def test_no_shape_in_any_audit_field_makes_the_view_or_a_rendering_raise(
    record: dict[str, Any], envelope: dict[str, Any], severity: str
) -> None:
    assert {"propertyChanges", "entity", "remoteIp", "clientId", "username"} <= set(AUDIT_FIELDS)
    evt = {**envelope, "detail": {"eventBody": record}}
    view = AuditView.of(evt)
    alert = build_alert(parse_input(wrapped(evt, severity=severity)), view)
    assert 0 < len(alert.subject) <= SUBJECT_MAX
    json.dumps([alert.text(), slack_payload(alert), teams_payload(alert), pagerduty_payload(alert, "k")])
    sns_attributes(alert)
    json.dumps(finding(view, watched_changes(view, ("divisionId",))))
    nothing_changed(view)


@settings(max_examples=400, deadline=None)
@given(name=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_any_entity_name_reads_literally_on_the_teams_card(name: str) -> None:
    evt = event("24_webhook_create.json")
    evt["detail"]["eventBody"]["userDisplay"] = name
    alert = build_alert(parse_input(wrapped(evt, severity="HIGH")))
    facts = teams_payload(alert)["attachments"][0]["content"]["body"][1]["facts"]
    who = next(fact["value"] for fact in facts if fact["title"] == "Who")
    rendered, shown = _rendered(who)
    assert "<a " not in rendered and "<img" not in rendered, rendered
    visible = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", dict(alert.facts)["Who"])  # control characters show as spaces
    assert shown == " ".join(visible.split()), rendered


@pytest.mark.parametrize(
    "unit", ["a.", "eyJa-", "secret-", "bearer ", "authorization ", "-----BEGIN ", 'password="', "pin ", "x"]
)
def test_redaction_never_backtracks_on_hostile_text(unit: str) -> None:
    """256 KB built to make a backtracking pattern quadratic (hours); linear scanning takes well under a second.

    The bound is loose on purpose: it only catches a pattern that backtracks, not a slow machine.
    """
    import time

    from genesys_audit.audit import redact_text

    text = (unit * (262_144 // len(unit) + 1))[:262_144]
    started = time.perf_counter()
    redact_text(text)
    assert time.perf_counter() - started < 10
