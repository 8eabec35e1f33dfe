"""Unit tests of the stand-in provider's pieces: cty msgpack codec, planning, IAM rendering, archives."""

from __future__ import annotations

import json
import os
import time

import msgpack
import pytest

from genesys_audit_tools.standin import archive, codec, datasources, iam
from genesys_audit_tools.standin.codec import UNKNOWN
from genesys_audit_tools.standin.planning import fill_known, mark_computed_unknown


def test_codec_round_trips_unknowns_anywhere():
    value = {"a": UNKNOWN, "b": [1, UNKNOWN, {"c": "x"}], "d": None, "e": 1.5}
    encoded = codec.encode(value)
    assert b"\xd4\x00\x00" in encoded  # cty's own bytes for an unknown value
    assert codec.decode(encoded) == value
    assert not codec.is_known(value) and codec.is_known({"a": [1, {"b": None}]})


def test_codec_reads_refined_unknowns_as_unknown():
    refined = msgpack.packb({"a": msgpack.ExtType(12, b"\x81\x01\xc3")}, use_bin_type=True)
    assert codec.decode(refined) == {"a": UNKNOWN}


BLOCK = {
    "attributes": {
        "name": {"type": "string", "required": True},
        "arn": {"type": "string", "computed": True},
        "region": {"type": "string", "optional": True, "computed": True},
        "policy": {"type": "string", "optional": True},
        "items": {
            "nested_type": {
                "nesting_mode": "list",
                "attributes": {"id": {"type": "string", "computed": True}},
            },
            "optional": True,
        },
    },
    "block_types": {
        "dead_letter_config": {
            "nesting_mode": "list",
            "block": {"attributes": {"arn": {"type": "string", "optional": True, "computed": True}}},
        }
    },
}


def test_planning_marks_only_unset_computed_attributes_unknown():
    proposed = {
        "name": "x",
        "arn": None,
        "region": "eu-west-1",
        "policy": None,
        "items": [{"id": None}],
        "dead_letter_config": [{"arn": None}],
    }
    planned = mark_computed_unknown(BLOCK, proposed)
    assert planned == {
        "name": "x",
        "arn": UNKNOWN,
        "region": "eu-west-1",  # configured: passes through
        "policy": None,  # optional, not computed: stays null
        "items": [{"id": UNKNOWN}],
        "dead_letter_config": [{"arn": UNKNOWN}],
    }
    assert proposed["arn"] is None  # the input is not mutated


def test_data_source_placeholders_are_known_and_typed():
    filled = fill_known(BLOCK, {"name": "x"}, "p")
    assert filled["arn"] == "p-arn" and filled["dead_letter_config"] == []
    assert codec.is_known(filled)


def _statement(**kwargs):
    base = {
        "sid": None,
        "effect": None,
        "actions": None,
        "not_actions": None,
        "resources": None,
        "not_resources": None,
        "principals": None,
        "not_principals": None,
        "condition": None,
    }
    return {**base, **kwargs}


def test_policy_strings_collapse_and_sets_reverse_sort_like_the_provider():
    out = iam.render(
        {
            "statement": [
                _statement(
                    actions=["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:ChangeMessageVisibility"],
                    resources=["arn:aws:sqs:eu-west-1:123456789012:q"],
                    principals=[
                        {"type": "Service", "identifiers": ["events.amazonaws.com"]},
                        {"type": "AWS", "identifiers": ["arn:aws:iam::123456789012:root"]},
                    ],
                    condition=[
                        {"test": "ArnEquals", "variable": "aws:SourceArn", "values": ["arn:b", "arn:a"]}
                    ],
                )
            ]
        }
    )
    statement = json.loads(out["json"])["Statement"][0]
    assert statement == {
        "Effect": "Allow",
        "Action": ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:ChangeMessageVisibility"],
        "Resource": "arn:aws:sqs:eu-west-1:123456789012:q",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root", "Service": "events.amazonaws.com"},
        "Condition": {"ArnEquals": {"aws:SourceArn": ["arn:b", "arn:a"]}},
    }
    assert list(statement) == ["Effect", "Action", "Resource", "Principal", "Condition"]
    assert json.loads(out["minified_json"]) == json.loads(out["json"])
    assert "\n" not in out["minified_json"]


def test_policy_wildcard_principal_and_go_html_escaping():
    out = iam.render(
        {
            "policy_id": "p1",
            "statement": [
                _statement(
                    sid="Deny",
                    effect="Deny",
                    actions=["sqs:*"],
                    resources=["arn:x&<y>"],
                    principals=[{"type": "*", "identifiers": ["*"]}],
                )
            ],
        }
    )
    assert '"Resource": "arn:x\\u0026\\u003cy\\u003e"' in out["json"]
    doc = json.loads(out["json"])
    assert doc["Id"] == "p1" and doc["Statement"][0]["Principal"] == "*"


def test_policy_documents_merge_source_then_statements_then_overrides_by_sid():
    source = json.dumps(
        {
            "Statement": [
                {"Sid": "A", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
                {"Sid": "B", "Effect": "Allow", "Action": "s3:List*", "Resource": "*"},
            ]
        }
    )
    override = json.dumps(
        {"Statement": {"Sid": "B", "Effect": "Deny", "Action": "s3:List*", "Resource": "*"}}
    )
    out = iam.render(
        {
            "source_policy_documents": [source],
            "override_policy_documents": [override],
            "statement": [_statement(sid="A", actions=["s3:PutObject"], resources=["arn:aws:s3:::b/*"])],
        }
    )
    statements = json.loads(out["json"])["Statement"]
    assert [(s["Sid"], s["Effect"], s["Action"]) for s in statements] == [
        ("A", "Allow", "s3:PutObject"),
        ("B", "Deny", "s3:List*"),
    ]


def test_policy_duplicate_sids_are_refused():
    with pytest.raises(iam.PolicyDocumentError, match="duplicate Sid"):
        iam.render(
            {"statement": [_statement(sid="X", actions=["a:b"]), _statement(sid="X", actions=["c:d"])]}
        )


def test_archive_is_reproducible_and_follows_content(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "mod.py").write_text("x = 1\n")
    (src / "handler.py").write_text("def handler(e, c):\n    return e\n")
    (src / "pkg" / "__pycache__").mkdir()
    (src / "pkg" / "__pycache__" / "mod.pyc").write_bytes(b"junk")
    config = {"type": "zip", "source_dir": str(src), "excludes": ["**/__pycache__", "pkg/__pycache__"]}
    first = archive.build({**config, "output_path": str(tmp_path / "a.zip")})
    old = time.time() - 86400
    for path in src.rglob("*.py"):
        os.utime(path, (old, old))  # timestamps must not matter
    second = archive.build({**config, "output_path": str(tmp_path / "b.zip")})
    assert first == second
    (src / "handler.py").write_text("def handler(e, c):\n    return None\n")
    third = archive.build({**config, "output_path": str(tmp_path / "c.zip")})
    assert third["output_base64sha256"] != first["output_base64sha256"]
    import zipfile

    assert zipfile.ZipFile(tmp_path / "c.zip").namelist() == ["handler.py", "pkg/mod.py"]


def test_archive_refuses_what_it_cannot_build(tmp_path):
    with pytest.raises(archive.ArchiveError, match="zip archives only"):
        archive.build({"type": "tar.gz", "output_path": str(tmp_path / "x")})
    with pytest.raises(archive.ArchiveError, match="not a directory"):
        archive.build(
            {"type": "zip", "source_dir": str(tmp_path / "none"), "output_path": str(tmp_path / "x")}
        )


@pytest.mark.parametrize(
    ("region", "partition", "dns"),
    [
        ("eu-central-1", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
    ],
)
def test_partition_follows_the_region(region, partition, dns):
    ctx = datasources.ProviderContext(region=region, account_id="111122223333", default_tags={})
    block = {
        "attributes": {
            k: {"type": "string", "computed": True}
            for k in ("partition", "dns_suffix", "reverse_dns_prefix", "id")
        }
    }
    state = datasources.read(ctx, "aws_partition", block, {})
    assert (state["partition"], state["dns_suffix"]) == (partition, dns)
    identity_block = {
        "attributes": {
            k: {"type": "string", "computed": True} for k in ("account_id", "arn", "user_id", "id")
        }
    }
    identity = datasources.read(ctx, "aws_caller_identity", identity_block, {})
    assert identity["arn"] == f"arn:{partition}:iam::111122223333:user/genesys-audit-standin"
