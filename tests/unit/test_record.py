"""The one audit-record field table, checked against the Genesys samples: every field optional, extras kept,
enums open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genesys_audit.audit import AuditView, audit_topic_name, record_actor
from genesys_audit.ingestion.normalize import to_details
from genesys_audit.record import FIELD_NAMES, FIELDS, IDENTIFYING, PATHS, field_at, type_errors, value


def _audit_samples(samples: Path) -> list[tuple[str, dict]]:
    found = []
    for path in sorted(samples.glob("*.json")):
        raw = json.loads(path.read_text())
        if str(raw.get("detail-type", "")).startswith("v2.audits."):
            found.append((path.name, raw))
    return found


def test_the_table_describes_every_field_of_every_audit_sample(genesys_samples_dir: Path) -> None:
    samples = _audit_samples(genesys_samples_dir)
    assert len(samples) >= 7
    for name, raw in samples:
        body = raw["detail"]["eventBody"]
        assert set(body) <= set(FIELD_NAMES), (name, set(body) - set(FIELD_NAMES))
        assert type_errors(body, "eventBody") == [], name
        for change in body.get("propertyChanges", []):
            assert set(change) <= {"property", "oldValues", "newValues"}, name
        for ref in ("entity", "username", "clientId"):
            assert set(body.get(ref, {})) <= {p.split(".", 1)[1] for p in PATHS if p.startswith(ref + ".")}, name
        # the topic name Genesys sent is the one built from the table's fields
        assert audit_topic_name(value(body, "entityType"), value(body, "entity.id")) == raw["detail"]["topicName"]
        assert record_actor(body) == (body.get("userId") or body["clientId"].get("id") or None), name


def test_a_non_audit_topic_is_not_an_audit_record(genesys_samples_dir: Path) -> None:
    presence = json.loads((genesys_samples_dir / "08_user_presence_topic.json").read_text())["detail"]["eventBody"]
    assert not set(presence) & set(IDENTIFYING)
    assert type_errors(presence, "eventBody") == ["eventBody.message: expected an object"]  # a string there


def test_every_field_optional_extras_kept_enums_open() -> None:
    assert all(not f.fields or f.type in ("object", "array") for f in FIELDS)
    assert type_errors({}, "r") == []
    body = {"action": "BrandNewAction", "futureField": [1]}
    [detail] = to_details(body, max_records=1, received_at="t")
    assert detail["eventBody"] == body  # unknown fields and enum values pass through unchanged
    assert AuditView.of(body).action == "BrandNewAction" and record_actor({}) is None


def test_actor_and_changed_properties() -> None:
    rec = {"clientId": {"id": "c"}, "entityType": "OAuthClient", "entity": {"id": "e"},
           "propertyChanges": [{"property": "a"}, {"property": "a"}, {"newValues": []}]}
    assert record_actor(rec) == "c" and record_actor({"userId": "u", "clientId": {"id": "c"}}) == "u"
    view = AuditView.of(rec)
    assert view.changed_properties == ("a", "(unnamed property)")
    assert audit_topic_name(view.entity_type, view.entity_id) == "v2.audits.entitytype.OAuthClient.entityid.e"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"remoteIp": ["1.2.3.4", 5]}, ["r.remoteIp: expected an array of strings"]),
        ({"entity": {"id": 7}}, ["r.entity.id: expected a string"]),
        ({"propertyChanges": [3, {"property": [], "newValues": "x"}]},
         ["r.propertyChanges[0]: expected an object", "r.propertyChanges[1].property: expected a string",
          "r.propertyChanges[1].newValues: expected an array"]),
        ({"username": "bob", "level": None}, ["r.username: expected an object"]),
    ],
)
def test_type_errors_name_the_path_and_the_type(body: dict, errors: list[str]) -> None:
    assert type_errors(body, "r") == errors


def test_value_reads_through_the_table_and_never_raises_on_shape() -> None:
    assert value({"entity": {"id": "e"}}, "entity.id") == "e"
    assert value({"entity": {"id": 5}}, "entity.id") is None
    assert value({"entity": "e"}, "entity.id") is None
    assert value([], "id") is None and value({"remoteIp": "x"}, "remoteIp") is None
    assert field_at("propertyChanges[].oldValues").type == "array"
    with pytest.raises(KeyError):
        field_at("nosuch")
