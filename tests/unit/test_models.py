"""Models over the Genesys samples: every field optional, extras kept, enums open."""

from __future__ import annotations

import json
from pathlib import Path

from genesys_audit.models import AuditRecord, EventBridgeEvent, NotificationDetail, audit_topic_name, record_actor


def test_samples_parse_and_round_trip(genesys_samples_dir: Path) -> None:
    paths = sorted(genesys_samples_dir.glob("*.json"))
    assert paths
    for path in paths:
        raw = json.loads(path.read_text())
        if "detail" not in raw:
            continue
        event = EventBridgeEvent.model_validate(raw)
        assert event.detail_type == raw["detail-type"]
        dumped = event.model_dump(by_alias=True, exclude_unset=True)
        assert dumped == raw, path.name


def test_all_optional_extras_kept_enums_open() -> None:
    rec = AuditRecord.model_validate({"action": "BrandNewAction", "futureField": [1]})
    assert rec.action == "BrandNewAction" and rec.model_extra == {"futureField": [1]}
    assert AuditRecord().actor() is None
    assert NotificationDetail.model_validate({}).eventBody is None


def test_actor_and_changed_properties() -> None:
    rec = AuditRecord.model_validate({"clientId": {"id": "c"}, "entityType": "OAuthClient", "entity": {"id": "e"},
                                      "propertyChanges": [{"property": "a"}, {"property": "a"}, {"newValues": []}]})
    assert rec.actor() == "c"
    assert AuditRecord(userId="u", clientId={"id": "c"}).actor() == "u"  # type: ignore[arg-type]
    assert rec.changed_properties() == ["a"]
    assert rec.topic_name() == audit_topic_name("OAuthClient", "e") == "v2.audits.entitytype.OAuthClient.entityid.e"
    assert record_actor({"clientId": {"id": "c"}}) == "c" and record_actor({}) is None
