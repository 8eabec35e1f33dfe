"""Plan like Terraform's mock providers: configuration passes through, unset computed values are unknown."""

from __future__ import annotations

from typing import Any

from genesys_audit_tools.standin.codec import UNKNOWN


def mark_computed_unknown(block: dict[str, Any], value: Any) -> Any:
    """Set every computed attribute left null in `value` (an object of `block`) to unknown, recursively."""
    if value is None or value is UNKNOWN:
        return value
    out = dict(value)
    for name, attr in block.get("attributes", {}).items():
        current = out.get(name)
        if current is None:
            if attr.get("computed"):
                out[name] = UNKNOWN
            continue
        nested = attr.get("nested_type")
        if nested is not None and current is not UNKNOWN:
            out[name] = _map_nested(nested["nesting_mode"], nested, current)
    for name, nested_block in block.get("block_types", {}).items():
        current = out.get(name)
        if current is None or current is UNKNOWN:
            continue
        out[name] = _map_nested(nested_block["nesting_mode"], nested_block["block"], current)
    return out


def _map_nested(mode: str, schema: dict[str, Any], current: Any) -> Any:
    if mode in ("single", "group"):
        return mark_computed_unknown(schema, current)
    if mode in ("list", "set"):
        return [mark_computed_unknown(schema, item) for item in current]
    if mode == "map":
        return {key: mark_computed_unknown(schema, item) for key, item in current.items()}
    raise ValueError(f"unsupported nesting mode {mode!r}")


def fill_known(block: dict[str, Any], value: dict[str, Any] | None, placeholder: str) -> dict[str, Any]:
    """Give every computed attribute left null a known placeholder (data sources must return known values)."""
    out = dict(value or {})
    for name, attr in block.get("attributes", {}).items():
        if out.get(name) is not None or not attr.get("computed"):
            continue
        out[name] = _placeholder(attr.get("type"), f"{placeholder}-{name}") if "type" in attr else None
    for name, nested_block in block.get("block_types", {}).items():
        if out.get(name) is None:
            mode = nested_block["nesting_mode"]
            out[name] = [] if mode in ("list", "set") else ({} if mode == "map" else None)
    return out


def _placeholder(type_: Any, text: str) -> Any:
    if type_ == "string":
        return text
    if type_ == "number":
        return 0
    if type_ == "bool":
        return False
    if isinstance(type_, list) and type_[0] in ("list", "set"):
        return []
    if isinstance(type_, list) and type_[0] == "map":
        return {}
    return None
