"""Where provider schemas come from, and their conversion to tfplugin6 protobuf."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# Optional overrides (e.g. a full `terraform providers schema -json` document); the default is the
# trimmed document shipped in the package (see trim.py).
SCHEMA_ENV = "GENESYS_AUDIT_PROVIDER_SCHEMAS"
SHARED_ENV = "GENESYS_AUDIT_SHARED"
_SHARED_RELATIVE = Path("reference/terraform-schemas/providers-schema.json.gz")
_OWN_SCHEMAS = Path(__file__).with_name("schemas")
BUNDLED = _OWN_SCHEMAS / "providers.json.gz"

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


def schema_document_path() -> Path:
    """The provider schema document the stand-in serves: the bundled trimmed one unless overridden.

    `GENESYS_AUDIT_PROVIDER_SCHEMAS=FILE` (a `terraform providers schema -json` document, gzipped or
    not) or `GENESYS_AUDIT_SHARED=DIR` (FILE at DIR/reference/terraform-schemas/) override it; an
    override that names a missing file is an error, never a silent fallback.
    """
    explicit = os.environ.get(SCHEMA_ENV)
    shared = os.environ.get(SHARED_ENV)
    if explicit:
        candidate, source = Path(explicit), f"{SCHEMA_ENV}={explicit}"
    elif shared:
        candidate, source = Path(shared) / _SHARED_RELATIVE, f"{SHARED_ENV}={shared}"
    else:
        candidate, source = BUNDLED, "the bundled schema"
    if candidate.is_file():
        return candidate
    if candidate == BUNDLED:
        hint = "reinstall the package, or regenerate it with `genesys-audit schemas trim --from FULL.json.gz`"
    else:
        hint = f"point it at an existing file, or unset it to use the bundled schema ({BUNDLED})"
    raise SchemaNotFoundError(
        f"The provider schema document {candidate} ({source}) does not exist: {hint}; "
        "or plan with the real providers installed (TF_PROVIDERS=real)."
    )


def read_document(path: Path) -> dict[str, Any]:
    """A `terraform providers schema -json` document, gzipped or not."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    doc: dict[str, Any] = json.loads(raw)
    if not isinstance(doc, dict) or not isinstance(doc.get("provider_schemas"), dict):
        raise ValueError(f"{path} is not a `terraform providers schema -json` document (no provider_schemas)")
    return doc


@cache
def _document(path: Path) -> dict[str, Any]:
    return read_document(path)


def schema_source_path(address: str) -> Path:
    """The file a provider's schema is read from."""
    spec = PROVIDERS[address]
    if spec.own_schema_file is not None:
        return _OWN_SCHEMAS / spec.own_schema_file
    return schema_document_path()


@cache
def provider_schema(address: str) -> dict[str, Any]:
    """The `terraform providers schema -json` entry of one provider."""
    spec = PROVIDERS[address]
    if spec.own_schema_file is not None:
        doc: dict[str, Any] = json.loads((_OWN_SCHEMAS / spec.own_schema_file).read_text())
    else:
        doc = _document(schema_document_path())
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
