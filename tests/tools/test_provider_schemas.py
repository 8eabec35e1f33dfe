"""The provider schema shipped with the stand-in: complete for our Terraform, trimmed, deterministic."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from genesys_audit_tools import cli
from genesys_audit_tools.standin import schemas, trim

REPO = Path(__file__).resolve().parents[2]
AWS = schemas.AWS
ARCHIVE = schemas.ARCHIVE


def _texts(value: Any) -> set[str]:
    """Keys holding a string anywhere in a schema (an attribute *named* description holds an object;
    `type` values are cty types, not texts)."""
    if isinstance(value, dict):
        own = {k for k, v in value.items() if isinstance(v, str)}
        return own.union(*(_texts(v) for k, v in value.items() if k != "type"))
    if isinstance(value, list):
        return set().union(*(_texts(v) for v in value))
    return set()


def test_the_bundled_schema_has_every_type_our_terraform_uses():
    used = trim.used_types(REPO)
    # The scan sees modules, examples and test fixtures (not an empty set that would pass vacuously).
    assert {"aws_cloudwatch_event_rule", "aws_lambda_function", "aws_kinesis_firehose_delivery_stream"} <= (
        used["resource"]
    )
    assert {"aws_iam_policy_document", "archive_file", "aws_partition"} <= used["data"]
    missing = trim.missing_types(schemas.read_document(schemas.BUNDLED), used)
    assert not missing, (
        f"The Terraform uses types the bundled provider schema lacks: {', '.join(missing)}. "
        f"Regenerate it: {trim.REGENERATE} (a full `terraform providers schema -json` of "
        f"hashicorp/aws {schemas.PROVIDERS[AWS].version}); add the type's family to AWS_FAMILIES if more "
        "of it will follow."
    )


def test_a_type_outside_the_file_is_reported(tmp_path):
    (tmp_path / "modules" / "x").mkdir(parents=True)
    (tmp_path / "modules" / "x" / "main.tf").write_text('resource "aws_instance" "a" {}\ndata "aws_vpc" "b" {}\n')
    (tmp_path / "tests" / "fixtures" / "y").mkdir(parents=True)
    fixture = tmp_path / "tests" / "fixtures" / "y" / "main.tf"
    fixture.write_text('data "aws_ami" "c" {}\nresource "aws_sqs_queue" "q" {}\n')
    (tmp_path / "examples" / ".terraform" / "modules").mkdir(parents=True)  # downloaded copies are not ours
    (tmp_path / "examples" / ".terraform" / "modules" / "m.tf").write_text('resource "aws_eip" "e" {}\n')
    used = trim.used_types(tmp_path)
    assert used == {"resource": {"aws_instance", "aws_sqs_queue"}, "data": {"aws_vpc", "aws_ami"}}
    missing = trim.missing_types(schemas.read_document(schemas.BUNDLED), used)
    assert missing == ["resource aws_instance", "data aws_ami", "data aws_vpc"]


def test_the_bundled_schema_is_trimmed_canonical_and_says_what_it_is():
    raw = schemas.BUNDLED.read_bytes()
    assert len(raw) < 64 * 1024
    doc = schemas.read_document(schemas.BUNDLED)
    assert trim.encode(doc) == raw  # canonical: regenerating the same content gives the same bytes
    assert _texts(doc["provider_schemas"]) <= {"nesting_mode", "type"}
    assert doc["metadata"]["providers"] == {
        AWS: {"version": schemas.PROVIDERS[AWS].version, "license": "MPL-2.0"},
        ARCHIVE: {"version": schemas.PROVIDERS[ARCHIVE].version, "license": "MPL-2.0"},
    }
    assert trim.REGENERATE in doc["metadata"]["description"]
    resources = doc["provider_schemas"][AWS]["resource_schemas"]
    # Whole families are kept so that new resources of the services we use need no regeneration.
    assert {"aws_sqs_queue", "aws_sqs_queue_redrive_policy", "aws_scheduler_schedule", "aws_ssm_parameter"} <= set(
        resources
    )
    assert "aws_instance" not in resources
    queue = resources["aws_sqs_queue"]["block"]["attributes"]
    assert queue["name"] == {"computed": True, "optional": True, "type": "string"}
    assert queue["arn"] == {"computed": True, "type": "string"}


def _full_document() -> dict[str, Any]:
    text = {"description": "long text", "description_kind": "markdown"}
    return {
        "format_version": "1.0",
        "provider_schemas": {
            AWS: {
                "provider": {
                    "version": 0,
                    "block": {"attributes": {"region": {"type": "string", "optional": True, **text}}},
                },
                "resource_schemas": {
                    "aws_sqs_queue": {
                        "version": 0,
                        "block": {
                            "attributes": {
                                "name": {"type": "string", "optional": True, "computed": True, **text},
                                "secret": {"type": "string", "optional": True, "sensitive": True, "write_only": True},
                                "old": {"type": "string", "optional": True, "deprecated": True},
                                "rules": {
                                    "nested_type": {
                                        "attributes": {"id": {"type": "string", "required": True, **text}},
                                        "nesting_mode": "list",
                                    },
                                    "optional": True,
                                },
                            },
                            "block_types": {
                                "timeouts": {
                                    "nesting_mode": "single",
                                    "block": {"attributes": {"create": {"type": "string", "optional": True}}, **text},
                                },
                                "redrive": {"nesting_mode": "list", "max_items": 1, "block": {}},
                            },
                            **text,
                        },
                    },
                    "aws_instance": {"version": 1, "block": {}},
                    "aws_used_elsewhere": {"version": 2, "block": {}},
                },
                "data_source_schemas": {
                    "aws_region": {"version": 0, "block": {}},
                    "aws_vpc": {"version": 0, "block": {}},
                },
                "ephemeral_resource_schemas": {"aws_secretsmanager_secret_version": {"version": 0, "block": {}}},
            },
            ARCHIVE: {
                "provider": {"version": 0, "block": {}},
                "data_source_schemas": {"archive_file": {"version": 0, "block": {**text}}},
            },
        },
    }


def test_trim_keeps_flags_nesting_and_used_or_family_types_only():
    doc = trim.trim(_full_document(), {"resource": {"aws_used_elsewhere"}, "data": set()})
    aws = doc["provider_schemas"][AWS]
    assert sorted(aws["resource_schemas"]) == ["aws_sqs_queue", "aws_used_elsewhere"]
    assert sorted(aws["data_source_schemas"]) == ["aws_region"]
    assert "ephemeral_resource_schemas" not in aws
    assert aws["resource_schemas"]["aws_sqs_queue"] == {
        "version": 0,
        "block": {
            "attributes": {
                "name": {"type": "string", "optional": True, "computed": True},
                "secret": {"type": "string", "optional": True, "sensitive": True, "write_only": True},
                "old": {"type": "string", "optional": True, "deprecated": True},
                "rules": {
                    "nested_type": {"attributes": {"id": {"type": "string", "required": True}}, "nesting_mode": "list"},
                    "optional": True,
                },
            },
            "block_types": {
                "timeouts": {
                    "nesting_mode": "single",
                    "block": {"attributes": {"create": {"type": "string", "optional": True}}},
                },
                "redrive": {"nesting_mode": "list", "max_items": 1, "block": {}},
            },
        },
    }
    assert aws["resource_schemas"]["aws_used_elsewhere"]["version"] == 2
    assert doc["provider_schemas"][ARCHIVE]["data_source_schemas"] == {"archive_file": {"version": 0, "block": {}}}
    raw = trim.encode(doc)
    assert raw == trim.encode(json.loads(json.dumps(doc)))
    assert raw[4:8] == b"\0\0\0\0"  # gzip without a timestamp
    assert json.loads(gzip.decompress(raw)) == doc


def test_cli_trim_writes_the_file_and_refuses_a_document_lacking_used_types(tmp_path, capsys):
    full = tmp_path / "full.json.gz"
    full.write_bytes(gzip.compress(json.dumps(_full_document()).encode()))
    repo = tmp_path / "repo"
    (repo / "modules" / "m").mkdir(parents=True)
    (repo / "modules" / "m" / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    out = tmp_path / "out" / "providers.json.gz"
    assert cli.main(["schemas", "trim", "--from", str(full), "--repo", str(repo), "--out", str(out)]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    assert "aws_sqs_queue" in schemas.read_document(out)["provider_schemas"][AWS]["resource_schemas"]

    (repo / "main.tf").write_text('resource "aws_not_in_the_document" "i" {}\n')
    assert cli.main(["schemas", "trim", "--from", str(full), "--repo", str(repo), "--out", str(out)]) == 1
    assert "resource aws_not_in_the_document" in capsys.readouterr().err

    assert cli.main(["schemas", "trim", "--from", str(tmp_path / "nothing.json"), "--out", str(out)]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_the_stand_in_reads_the_bundled_schema_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv(schemas.SCHEMA_ENV, raising=False)
    monkeypatch.delenv(schemas.SHARED_ENV, raising=False)
    # Even where a sibling ../shared checkout exists, nothing outside the package is read by default.
    assert schemas.schema_document_path() == schemas.BUNDLED
    assert schemas.BUNDLED.is_relative_to(Path(schemas.__file__).parent)

    override = tmp_path / "full.json.gz"
    override.write_bytes(gzip.compress(json.dumps(_full_document()).encode()))
    monkeypatch.setenv(schemas.SCHEMA_ENV, str(override))
    assert schemas.schema_document_path() == override

    monkeypatch.setenv(schemas.SCHEMA_ENV, str(tmp_path / "missing.json.gz"))
    with pytest.raises(schemas.SchemaNotFoundError, match=r"GENESYS_AUDIT_PROVIDER_SCHEMAS=.*does not exist"):
        schemas.schema_document_path()
