"""The provider schema the repository ships: a trimmed copy of `terraform providers schema -json`.

The stand-in provider serves the real hashicorp/aws and hashicorp/archive schemas. The full document
is ~300 KB gzipped (1657 AWS resource types); the repository ships only what its Terraform uses and
what it is likely to use soon, without description texts:

    genesys-audit schemas trim --from providers-schema.json.gz

rewrites `standin/schemas/providers.json.gz` from a full document produced with the pinned provider
versions (`terraform providers schema -json` in a directory requiring them). Which types are kept:

- every resource and data-source type named in the project's Terraform (`resource "TYPE"` / `data
  "TYPE"` blocks of the `*.tf` files in `modules/`, `examples/`, `tests/` and the root);
- every AWS resource and data-source type of the families in `AWS_FAMILIES` (the services the
  pipeline is built from), so a module adding e.g. another `aws_sqs_*` resource needs no regeneration;
- the account/region data sources in `AWS_GENERIC_DATA_SOURCES`;
- every type of the other providers (hashicorp/archive is one data source).

Of each schema only what Terraform core and the stand-in need to plan is kept: attribute names, types
and nesting, the required/optional/computed/sensitive/deprecated/write-only flags, block nesting
modes and item limits, schema versions. The output is deterministic: sorted keys, compact JSON, gzip
without a timestamp. `tests/terraform/test_provider_schemas.py` fails when the Terraform uses a type
the file lacks, naming this command.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from genesys_audit_tools.standin import schemas

AWS_FAMILIES = (
    "apigatewayv2_",
    "cloudwatch_event_",
    "cloudwatch_log_",
    "cloudwatch_metric_alarm",
    "dynamodb_table",
    "iam_",
    "kinesis_firehose_",
    "kms_",
    "lambda_",
    "s3_bucket",
    "scheduler_",
    "secretsmanager_",
    "sns_",
    "sqs_",
    "ssm_parameter",
)
AWS_GENERIC_DATA_SOURCES = ("aws_caller_identity", "aws_default_tags", "aws_partition", "aws_region")
LICENSE = "MPL-2.0"
REGENERATE = "genesys-audit schemas trim --from /path/to/providers-schema.json.gz"

# Where the project's Terraform lives, relative to the repository root.
SCAN_DIRS = ("modules", "examples", "tests")
_SKIP_DIRS = {".terraform", ".venv", "__pycache__", ".git", "build"}
# `resource "TYPE" "NAME"` / `data "TYPE" "NAME"` (not `module.x.data "..."` or prose).
_BLOCK = re.compile(r'(?<![\w.])(resource|data)\s+"([a-z][a-z0-9_]*)"\s+"')

_ATTRIBUTE_FLAGS = ("required", "optional", "computed", "sensitive", "deprecated", "write_only")


def _sources(root: Path) -> Iterable[Path]:
    yield from sorted(root.glob("*.tf"))
    for name in SCAN_DIRS:
        for path in sorted((root / name).rglob("*")):
            if path.suffix == ".tf" and not _SKIP_DIRS.intersection(path.relative_to(root).parts):
                yield path


def used_types(root: Path) -> dict[str, set[str]]:
    """{"resource": {...}, "data": {...}}: the types named by `resource`/`data` blocks under `root`."""
    found: dict[str, set[str]] = {"resource": set(), "data": set()}
    for path in _sources(root):
        for kind, type_name in _BLOCK.findall(path.read_text(errors="replace")):
            found[kind].add(type_name)
    return found


def _provider_of(type_name: str) -> str:
    return type_name.split("_", 1)[0]


def _keep(type_name: str, provider_type: str, used: set[str], *, data: bool) -> bool:
    if type_name in used or provider_type != "aws":
        return True
    if data and type_name in AWS_GENERIC_DATA_SOURCES:
        return True
    return type_name.removeprefix("aws_").startswith(AWS_FAMILIES)


def _attribute(attr: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {flag: True for flag in _ATTRIBUTE_FLAGS if attr.get(flag)}
    if "nested_type" in attr:
        nested = attr["nested_type"]
        out["nested_type"] = {
            "attributes": {n: _attribute(a) for n, a in nested.get("attributes", {}).items()},
            "nesting_mode": nested["nesting_mode"],
            **{k: nested[k] for k in ("min_items", "max_items") if nested.get(k)},
        }
    else:
        out["type"] = attr["type"]
    return out


def _block(block: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if block.get("attributes"):
        out["attributes"] = {n: _attribute(a) for n, a in block["attributes"].items()}
    if block.get("block_types"):
        out["block_types"] = {
            name: {
                "block": _block(nested.get("block", {})),
                "nesting_mode": nested["nesting_mode"],
                **{k: nested[k] for k in ("min_items", "max_items") if nested.get(k)},
            }
            for name, nested in block["block_types"].items()
        }
    if block.get("deprecated"):
        out["deprecated"] = True
    return out


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {"version": schema.get("version", 0), "block": _block(schema.get("block", {}))}


def trim(full: dict[str, Any], used: dict[str, set[str]]) -> dict[str, Any]:
    """The trimmed document for the providers the stand-in impersonates from `full`."""
    provider_schemas: dict[str, Any] = {}
    providers: dict[str, Any] = {}
    for address, spec in sorted(schemas.PROVIDERS.items()):
        if spec.own_schema_file is not None:
            continue
        try:
            entry = full["provider_schemas"][address]
        except KeyError as exc:
            raise ValueError(f"the full document has no schema for {address}") from exc
        provider_type = spec.type_name
        provider_schemas[address] = {
            "provider": _schema(entry.get("provider", {})),
            "resource_schemas": {
                name: _schema(s)
                for name, s in entry.get("resource_schemas", {}).items()
                if _keep(name, provider_type, used["resource"], data=False)
            },
            "data_source_schemas": {
                name: _schema(s)
                for name, s in entry.get("data_source_schemas", {}).items()
                if _keep(name, provider_type, used["data"], data=True)
            },
        }
        providers[address] = {"version": spec.version, "license": LICENSE}
    return {
        "format_version": full.get("format_version", "1.0"),
        "metadata": {
            "description": (
                "Trimmed `terraform providers schema -json` of the providers below (names, types, nesting "
                "and flags only; no description texts). The schemas are the providers' work, licensed "
                f"{LICENSE}. Regenerate: {REGENERATE}"
            ),
            "providers": providers,
            "aws_families": list(AWS_FAMILIES),
            "aws_generic_data_sources": list(AWS_GENERIC_DATA_SOURCES),
        },
        "provider_schemas": provider_schemas,
    }


def encode(document: dict[str, Any]) -> bytes:
    """Deterministic bytes: sorted compact JSON, gzip with no name and no timestamp."""
    raw = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return gzip.compress(raw, compresslevel=9, mtime=0)


def missing_types(document: dict[str, Any], used: dict[str, set[str]]) -> list[str]:
    """`resource TYPE` / `data TYPE` entries of `used` that `document` has no schema for."""
    resources: set[str] = set()
    data: set[str] = set()
    for entry in document.get("provider_schemas", {}).values():
        resources.update(entry.get("resource_schemas", {}))
        data.update(entry.get("data_source_schemas", {}))
    own = {s.type_name for s in schemas.PROVIDERS.values() if s.own_schema_file is None}
    missing = [f"resource {t}" for t in sorted(used["resource"] - resources) if _provider_of(t) in own]
    missing += [f"data {t}" for t in sorted(used["data"] - data) if _provider_of(t) in own]
    return missing


def _repo_root() -> Path:
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").exists() and (parent / "modules").is_dir():
            return parent
    return Path.cwd()


def _cmd_trim(args: argparse.Namespace) -> int:
    source = Path(args.source)
    try:
        full = schemas.read_document(source)
    except (OSError, ValueError) as exc:
        sys.stderr.write(
            f"genesys-audit schemas trim: cannot read {source}: {exc}. Give a `terraform providers schema "
            "-json` document (gzipped or not) of the versions in genesys_audit_tools/standin/schemas.py.\n"
        )
        return 1
    root = Path(args.repo) if args.repo else _repo_root()
    used = used_types(root)
    try:
        document = trim(full, used)
    except ValueError as exc:
        sys.stderr.write(f"genesys-audit schemas trim: {exc}\n")
        return 1
    missing = missing_types(document, used)
    if missing:
        sys.stderr.write(
            "genesys-audit schemas trim: the Terraform uses types the full document lacks (is it the "
            f"right provider version?): {', '.join(missing)}\n"
        )
        return 1
    out = Path(args.out)
    data = encode(document)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    counts = ", ".join(
        f"{address.rsplit('/', 1)[-1]}: {len(e['resource_schemas'])} resources, "
        f"{len(e['data_source_schemas'])} data sources"
        for address, e in document["provider_schemas"].items()
    )
    sys.stdout.write(f"Wrote {out} ({len(data)} bytes; {counts}).\n")
    return 0


def register(sub: Any) -> None:
    """Add `genesys-audit schemas trim` to the CLI."""
    parser = sub.add_parser(
        "schemas",
        help="maintain the provider schema the stand-in provider serves",
        description="Maintain the trimmed provider schema shipped with the stand-in provider.",
    )
    commands = parser.add_subparsers(dest="schemas_command", required=True)
    trim_parser = commands.add_parser(
        "trim",
        help="write the trimmed schema from a full `terraform providers schema -json` document",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    trim_parser.add_argument(
        "--from", dest="source", required=True, metavar="FULL", help="the full schema document (.json or .json.gz)"
    )
    trim_parser.add_argument(
        "--out", default=str(schemas.BUNDLED), help="where to write (default: the file the stand-in reads)"
    )
    trim_parser.add_argument("--repo", help="the repository whose Terraform is scanned (default: this one)")
    trim_parser.set_defaults(func=_cmd_trim)
