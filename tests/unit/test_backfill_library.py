"""Pure library pieces: regions, credentials, conversion, windows, checkpoint, lazy SDK import."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fake_genesys import NOW, rest_record

from genesys_audit.audit import record_actor
from genesys_audit.backfill.checkpoint import Checkpoint, FileCheckpoint, SsmCheckpoint
from genesys_audit.backfill.convert import to_detail, to_topic_record
from genesys_audit.backfill.credentials import ClientCredentials
from genesys_audit.backfill.errors import BackfillInputError, UnknownRegion
from genesys_audit.backfill.regions import GENESYS_REGIONS, api_base_url, region_domain
from genesys_audit.backfill.windows import check_range, parse_time, split
from genesys_audit.record import FIELD_NAMES, type_errors

REPO = Path(__file__).resolve().parents[2]


def test_region_table_matches_the_sdk() -> None:
    from PureCloudPlatformClientV2 import PureCloudRegionHosts

    sdk = {r.name.replace("_", "-"): r.value.removeprefix("https://api.") for r in PureCloudRegionHosts}
    assert sdk == GENESYS_REGIONS


def test_the_terraform_region_list_is_the_sdk_region_table() -> None:
    """residency.json (read by the Terraform modules' validations) names the same Genesys regions."""
    residency = json.loads((REPO / "residency.json").read_text())
    assert residency["genesys_domains"] == list(GENESYS_REGIONS.values())
    for boundary, domains in residency["genesys_regions"].items():
        assert set(domains) <= set(residency["genesys_domains"]), boundary


@pytest.mark.parametrize("given", ["mypurecloud.ie", "api.mypurecloud.ie", "https://login.mypurecloud.ie/",
                                   "eu-west-1", "eu_west_1", "MyPureCloud.IE"])
def test_region_forms(given: str) -> None:
    assert region_domain(given) == "mypurecloud.ie"
    assert api_base_url(given) == "https://api.mypurecloud.ie"


def test_unknown_region_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownRegion) as info:
        api_base_url("mypurecloud.fr")
    assert "'mypurecloud.fr'" in str(info.value)
    assert "mypurecloud.ie (eu-west-1)" in str(info.value) and "usw2.pure.cloud (us-west-2)" in str(info.value)


def test_base_url_override() -> None:
    assert api_base_url(None, "http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    with pytest.raises(UnknownRegion, match="http"):
        api_base_url(None, "127.0.0.1:8080")


def test_credentials_from_env_and_secret() -> None:
    creds = ClientCredentials.from_env({"GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s3cr3t"})
    assert creds.client_id == "id" and "s3cr3t" not in repr(creds)
    with pytest.raises(BackfillInputError, match="GENESYS_CLIENT_SECRET not set"):
        ClientCredentials.from_env({"GENESYS_CLIENT_ID": "id"})
    assert ClientCredentials.from_secret_string('{"client_id": "a", "client_secret": "b"}').client_secret == "b"
    with pytest.raises(BackfillInputError, match="client_secret"):
        ClientCredentials.from_secret_string('{"client_id": "a"}', secret_id="arn:x")


def test_conversion_validates_as_the_topic_model(genesys_samples_dir: Path) -> None:
    sample = json.loads((genesys_samples_dir / "rest" / "audits_query_realtime_response.json").read_text())
    [rest] = sample["entities"]
    detail = to_detail(rest, run_id="run-1", api="realtime")
    body = detail["eventBody"]
    assert body["userId"] == rest["user"]["id"] and body["username"]["name"] == "Alice Admin"
    assert body["eventTime"] == "2025-06-10T14:21:44.000Z" and body["clientId"] == {}
    assert detail["topicName"] == f"v2.audits.entitytype.Queue.entityid.{rest['entity']['id']}"
    assert type_errors(body, "eventBody") == [] and record_actor(body) == rest["user"]["id"]
    assert set(body) <= set(FIELD_NAMES)  # nothing outside the topic schema leaked into eventBody


def test_conversion_keeps_unknown_fields_and_odd_values() -> None:
    rest = rest_record(1, NOW)
    rest["newGenesysField"] = {"x": 1}
    rest["eventDate"] = "not a date"
    body = to_topic_record(rest)
    assert body["newGenesysField"] == {"x": 1} and body["eventTime"] == "not a date"


def test_windows_and_range_errors() -> None:
    since = parse_time("2026-11-24T09:30:00Z", "--since")
    windows = list(split(since, since + timedelta(hours=2), timedelta(hours=1)))
    assert [w.interval for w in windows] == [
        "2026-11-24T09:30:00Z/2026-11-24T10:00:00Z",
        "2026-11-24T10:00:00Z/2026-11-24T11:00:00Z",
        "2026-11-24T11:00:00Z/2026-11-24T11:30:00Z",
    ]
    assert parse_time("2026-11-24", "--since") == datetime(2026, 11, 24, tzinfo=UTC)
    with pytest.raises(BackfillInputError, match="not an ISO-8601 time"):
        parse_time("yesterday", "--since")
    with pytest.raises(BackfillInputError, match="must be after --since"):
        check_range(NOW - timedelta(hours=1), NOW - timedelta(hours=2), now=NOW)
    with pytest.raises(BackfillInputError, match="in the future"):
        check_range(NOW + timedelta(hours=1), None, now=NOW)
    assert check_range(NOW - timedelta(hours=1), NOW + timedelta(days=1), now=NOW)[1] == NOW  # capped at now


def test_file_checkpoint_roundtrip_and_bad_file(tmp_path: Path) -> None:
    store = FileCheckpoint(tmp_path / "cp.json")
    assert store.load() is None
    state = Checkpoint.new("bus", None)
    state.add_ids("w", "svc", ["a"], 1)
    store.save(state.to_state())
    again = Checkpoint.from_state(store.load() or {}, where="cp.json")
    assert again.put_ids("w", "svc") == {"a"} and again.run_id == state.run_id
    (tmp_path / "cp.json").write_text("{")
    with pytest.raises(BackfillInputError, match="not JSON"):
        store.load()


def test_ssm_checkpoint_prunes_and_fits(aws_env: dict[str, str]) -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        store = SsmCheckpoint("/genesys/backfill", boto3.client("ssm"))
        assert store.load() is None
        state = Checkpoint.new("bus", None)
        state.done = ["2026-11-20T00:00:00Z/2026-11-20T01:00:00Z", "2026-11-24T00:00:00Z/2026-11-24T01:00:00Z"]
        state.add_ids("w", "svc", [f"id-{n:040d}" for n in range(400)], 400)
        store.save(state.to_state())
        loaded = store.load() or {}
        assert loaded["current"]["ids"] == [] and store.dropped_ids == 400  # over 8 KB: ids dropped
        state.prune(datetime(2026, 11, 23, tzinfo=UTC))
        assert state.done == ["2026-11-24T00:00:00Z/2026-11-24T01:00:00Z"]


def test_library_import_does_not_load_the_sdk() -> None:
    code = ("import sys; import genesys_audit.backfill.run, genesys_audit.backfill.gaps; "
            "print('PureCloudPlatformClientV2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO, env={"PYTHONPATH": str(REPO / "lambda_src")})
    assert out.stdout.strip() == "False"
