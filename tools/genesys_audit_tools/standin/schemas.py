"""Where provider schemas come from, and their conversion to tfplugin6 protobuf."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_ENV = "GENESYS_AUDIT_PROVIDER_SCHEMAS"
SHARED_ENV = "GENESYS_AUDIT_SHARED"
_SHARED_RELATIVE = Path("reference/terraform-schemas/providers-schema.json.gz")
_OWN_SCHEMAS = Path(__file__).with_name("schemas")

AWS = "registry.terraform.io/hashicorp/aws"
ARCHIVE = "registry.terraform.io/hashicorp/archive"
GENESYSCLOUD = "registry.terraform.io/mypurecloud/genesyscloud"


class SchemaNotFoundError(RuntimeError):
    """The provider schema document is not available."""


@dataclass(frozen=True)
class ProviderSpec:
    """A provider the stand-in can impersonate."""

    address: str
    version: str
    # None: the schema comes from the third-party `terraform providers schema -json` document.
    own_schema_file: str | None = None

    @property
    def type_name(self) -> str:
        """The provider's type, e.g. `aws`."""
        return self.address.rsplit("/", 1)[-1]


PROVIDERS: dict[str, ProviderSpec] = {
    AWS: ProviderSpec(AWS, "6.47.0"),
    ARCHIVE: ProviderSpec(ARCHIVE, "2.7.1"),
}
if (_OWN_SCHEMAS / "genesyscloud.json").exists():
    PROVIDERS[GENESYSCLOUD] = ProviderSpec(GENESYSCLOUD, "1.84.1", "genesyscloud.json")


def _repo_root() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").exists() and (parent / "tools" / "genesys_audit_tools").is_dir():
            return parent
    return None


def shared_schema_path() -> Path:
    """The third-party provider schema document, or a SchemaNotFoundError saying how to provide one."""
    explicit = os.environ.get(SCHEMA_ENV)
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    else:
        shared = os.environ.get(SHARED_ENV)
        if shared:
            candidates.append(Path(shared) / _SHARED_RELATIVE)
        root = _repo_root()
        if root is not None:
            candidates.append(root.parent / "shared" / _SHARED_RELATIVE)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates) or "nothing"
    raise SchemaNotFoundError(
        "The stand-in provider needs the real hashicorp/aws 6.x provider schema "
        f"(a `terraform providers schema -json` document, gzipped or not); tried {tried}. "
        f"Set {SCHEMA_ENV}=/path/to/providers-schema.json.gz, or {SHARED_ENV}=/path/to/shared, "
        "or run with the real providers installed (TF_PROVIDERS=real)."
    )


@cache
def _shared_document() -> dict[str, Any]:
    path = shared_schema_path()
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    doc: dict[str, Any] = json.loads(raw)
    return doc


def schema_source_path(address: str) -> Path:
    """The file a provider's schema is read from."""
    spec = PROVIDERS[address]
    if spec.own_schema_file is not None:
        return _OWN_SCHEMAS / spec.own_schema_file
    return shared_schema_path()


@cache
def provider_schema(address: str) -> dict[str, Any]:
    """The `terraform providers schema -json` entry of one provider."""
    spec = PROVIDERS[address]
    if spec.own_schema_file is not None:
        doc: dict[str, Any] = json.loads((_OWN_SCHEMAS / spec.own_schema_file).read_text())
    else:
        doc = _shared_document()
    try:
        schema: dict[str, Any] = doc["provider_schemas"][address]
    except KeyError as exc:
        raise SchemaNotFoundError(f"The schema document has no entry for {address}.") from exc
    return schema


def _nesting(pb: Any, mode: str) -> Any:
    return getattr(pb, mode.upper())


def _attribute(pb: Any, name: str, attr: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {
        "name": name,
        "description": attr.get("description", ""),
        "required": bool(attr.get("required")),
        "optional": bool(attr.get("optional")),
        "computed": bool(attr.get("computed")),
        "sensitive": bool(attr.get("sensitive")),
        "deprecated": bool(attr.get("deprecated")),
    }
    if "nested_type" in attr:
        nested = attr["nested_type"]
        kwargs["nested_type"] = pb.Schema.Object(
            attributes=[_attribute(pb, n, a) for n, a in sorted(nested["attributes"].items())],
            nesting=_nesting(pb.Schema.Object, nested["nesting_mode"]),
            min_items=nested.get("min_items", 0),
            max_items=nested.get("max_items", 0),
        )
    else:
        kwargs["type"] = json.dumps(attr["type"], separators=(",", ":")).encode()
    return pb.Schema.Attribute(**kwargs)


def _block(pb: Any, block: dict[str, Any]) -> Any:
    return pb.Schema.Block(
        attributes=[_attribute(pb, n, a) for n, a in sorted(block.get("attributes", {}).items())],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=name,
                block=_block(pb, nested["block"]),
                nesting=_nesting(pb.Schema.NestedBlock, nested["nesting_mode"]),
                min_items=nested.get("min_items", 0),
                max_items=nested.get("max_items", 0),
            )
            for name, nested in sorted(block.get("block_types", {}).items())
        ],
        description=block.get("description", ""),
        deprecated=bool(block.get("deprecated")),
    )


def to_protobuf(pb: Any, schema: dict[str, Any]) -> Any:
    """A `terraform providers schema -json` schema entry as a tfplugin6 Schema message."""
    return pb.Schema(version=schema.get("version", 0), block=_block(pb, schema["block"]))
