"""Consumer checks without AWS: watched property changes, finding shape, sinks, message parsing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from genesys_audit.audit import AuditView, Change
from genesys_audit.config import env_list
from genesys_audit.consumer.findings import finding, is_no_op, nothing_changed, watched_changes
from genesys_audit.consumer.service import consume, load_sink, parse_message
from genesys_audit.consumer.settings import ConsumerSettings
from genesys_audit.errors import BadRequest, ConfigError

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"
WATCHED = ("divisionId", "scopes", "secret", "permissionPolicies")


def view(name: str) -> AuditView:
    return AuditView.of(json.loads((EVENTS / name).read_text()))


def record(*changes: dict[str, Any]) -> AuditView:
    return AuditView.of({"detail": {"eventBody": {"id": "a", "action": "Update", "propertyChanges": list(changes)}}})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("05_user_division_move.json", ("divisionId",)),
        ("26_user_update_without_division.json", ()),
        ("02_oauthclient_update_secret.json", ("secret",)),  # values not sent: cannot be a proven no-op
        ("03_recording_delete.json", ()),
    ],
)
def test_watched_properties_that_really_changed_are_flagged(name: str, expected: tuple[str, ...]) -> None:
    assert watched_changes(view(name), WATCHED) == expected
    assert not nothing_changed(view(name))


def test_only_provable_no_ops_are_dropped() -> None:
    same = {"property": "divisionId", "oldValues": ["d1"], "newValues": ["d1"]}
    reordered = {"property": "scopes", "oldValues": ["a", "b"], "newValues": ["b", "a"]}
    real = {"property": "title", "oldValues": ["x"], "newValues": ["y"]}
    half = {"property": "secret"}  # Genesys did not send the values: keep it
    assert nothing_changed(record(same, reordered))
    assert is_no_op(Change("p", ("a", "b"), ("b", "a"))) and not is_no_op(Change("p", ("a",), None))
    assert not nothing_changed(record(same, real)) and not nothing_changed(record(same, half))
    assert not nothing_changed(record())  # no property changes: a create/delete/member change
    assert watched_changes(record(same, real), ("divisionId", "TITLE")) == ("title",)


def test_finding_shape_and_redaction() -> None:
    v = AuditView.of(
        {
            "source": "aws.partner/genesys.com/cloud/org-1/audit",
            "region": "eu-west-1",
            "replay-name": "r1",
            "detail": {
                "eventBody": {
                    "id": "a-1",
                    "entityType": "OAuthClient",
                    "action": "Update",
                    "clientId": {"id": "c"},
                    "entity": {"id": "e", "name": "n"},
                    "remoteIp": ["192.0.2.1"],
                    "propertyChanges": [{"property": "secret", "newValues": ["SECRET"]}],
                }
            },
        }
    )
    item = finding(v, ("secret",))
    assert item == {
        "auditId": "a-1",
        "eventTime": None,
        "entityType": "OAuthClient",
        "action": "Update",
        "entity": {"id": "e", "name": "n"},
        "actor": {"kind": "client", "id": "c", "display": None},
        "clientId": "c",
        "level": None,
        "serviceName": None,
        "remoteIps": ["192.0.2.1"],
        "genesysOrgId": "org-1",
        "source": "aws.partner/genesys.com/cloud/org-1/audit",
        "region": "eu-west-1",
        "changedProperties": ["secret"],
        "watchedChanges": ["secret"],
        "changes": ["secret: changed (value redacted)"],
        "replayName": "r1",
    }


def test_consume_hands_findings_to_the_sink_and_drops_no_ops() -> None:
    got: list[dict[str, Any]] = []
    assert consume(view("05_user_division_move.json"), WATCHED, got.append) == "watched"
    assert consume(view("26_user_update_without_division.json"), WATCHED, got.append) == "finding"
    noop = {"property": "divisionId", "oldValues": ["d1"], "newValues": ["d1"]}
    assert consume(record(noop), WATCHED, got.append) == "no-op"
    assert [g["watchedChanges"] for g in got] == [["divisionId"], []]


def test_parse_message_rejects_what_is_not_an_audit_event() -> None:
    event, v = parse_message((EVENTS / "01_oauthclient_delete.json").read_text())
    assert v.audit_id == event["detail"]["eventBody"]["id"]
    with pytest.raises(BadRequest, match="not JSON"):
        parse_message("{oops")
    with pytest.raises(BadRequest, match=r"no detail\.eventBody"):
        parse_message(json.dumps({"detail": {"eventBody": "x"}}))


def test_sink_loading() -> None:
    def log(item: dict[str, Any]) -> None:
        return None

    assert load_sink("log", log) is log
    assert load_sink("json:dumps", log) is json.dumps
    with pytest.raises(ConfigError, match="cannot be loaded"):
        load_sink("no_such_module_xyz:f", log)
    with pytest.raises(ConfigError, match="not callable"):
        load_sink("json:__doc__", log)


def test_settings_validate_the_sink_and_read_the_watch_list() -> None:
    env = {"IDEMPOTENCY_TABLE": "t", "WATCHED_PROPERTIES": "divisionId, scopes,,"}
    settings = ConsumerSettings.from_env(env)
    assert settings.watched_properties == ("divisionId", "scopes") == env_list("WATCHED_PROPERTIES", env=env)
    assert settings.sink == "log" and settings.idempotency.table == "t"
    with pytest.raises(ConfigError, match="FINDING_SINK"):
        ConsumerSettings.from_env({**env, "FINDING_SINK": "rm -rf /"})
    with pytest.raises(ConfigError, match="IDEMPOTENCY_TABLE"):
        ConsumerSettings.from_env({})
    with pytest.raises(ConfigError, match="IDEMPOTENCY_EXPIRES_AFTER_SECONDS"):
        ConsumerSettings.from_env({**env, "IDEMPOTENCY_EXPIRES_AFTER_SECONDS": "5"})


@pytest.mark.parametrize(
    "unnamed",
    [
        {"oldValues": ["queue-a"], "newValues": ["queue-b"]},
        {"property": "", "oldValues": ["queue-a"], "newValues": ["queue-b"]},
        {"property": "   ", "newValues": ["x"]},
        {"property": None},
    ],
)
def test_a_change_without_a_property_name_is_a_finding_not_a_no_op(unnamed: dict[str, Any]) -> None:
    same = {"property": "divisionId", "oldValues": ["d1"], "newValues": ["d1"]}
    got: list[dict[str, Any]] = []
    assert consume(record(same, unnamed), WATCHED, got.append) == "finding"
    [item] = got
    assert item["changedProperties"] == ["divisionId", "(unnamed property)"]
    assert item["changes"][1].startswith("(unnamed property): ")
