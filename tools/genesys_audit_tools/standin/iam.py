"""`aws_iam_policy_document` rendered the way hashicorp/aws renders it.

Mirrors internal/service/iam/policy_model.go and data_source_policy_document.go: string sets
collapse to a single string when they hold one value and are otherwise reverse-sorted; principals
and conditions group by type/test; `json` is Go's MarshalIndent with two spaces (HTML characters
escaped as Go does), `minified_json` the compact form; source documents are merged first, then this
document's statements, then override documents, statements with a Sid replacing their namesake.
"""

from __future__ import annotations

import json
import zlib
from typing import Any


class PolicyDocumentError(ValueError):
    """A policy document cannot be rendered (as the real provider would refuse it)."""


def _string_or_list(values: list[str]) -> str | list[str]:
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True)


def _principals(items: list[dict[str, Any]] | None) -> Any:
    if not items:
        return None
    if len(items) == 1 and items[0]["type"] == "*" and list(items[0]["identifiers"]) == ["*"]:
        return "*"
    grouped: dict[str, list[str]] = {}
    for item in items:
        grouped.setdefault(item["type"], []).extend(item["identifiers"] or [])
    return {kind: _string_or_list(ids) for kind, ids in sorted(grouped.items())}


def _conditions(items: list[dict[str, Any]] | None) -> Any:
    if not items:
        return None
    grouped: dict[str, dict[str, list[str]]] = {}
    for item in items:
        grouped.setdefault(item["test"], {}).setdefault(item["variable"], []).extend(item["values"] or [])
    return {
        test: {variable: _string_or_list(values) for variable, values in sorted(variables.items())}
        for test, variables in sorted(grouped.items())
    }


def _statement(block: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if block.get("sid"):
        out["Sid"] = block["sid"]
    out["Effect"] = block.get("effect") or "Allow"
    for key, attr in (
        ("Action", "actions"),
        ("NotAction", "not_actions"),
        ("Resource", "resources"),
        ("NotResource", "not_resources"),
    ):
        values = block.get(attr)
        if values:
            out[key] = _string_or_list(list(values))
    for key, attr in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        rendered = _principals(block.get(attr))
        if rendered is not None:
            out[key] = rendered
    conditions = _conditions(block.get("condition"))
    if conditions is not None:
        out["Condition"] = conditions
    return out


def _merge(statements: list[dict[str, Any]], incoming: list[dict[str, Any]], *, where: str) -> None:
    for statement in incoming:
        sid = statement.get("Sid")
        index = next((i for i, s in enumerate(statements) if sid and s.get("Sid") == sid), None)
        if index is None:
            statements.append(statement)
        else:
            statements[index] = statement


def _parse(document: str, *, where: str) -> dict[str, Any]:
    try:
        parsed = json.loads(document)
    except json.JSONDecodeError as exc:
        raise PolicyDocumentError(f"{where}: not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise PolicyDocumentError(f"{where}: a policy document must be a JSON object")
    statements = parsed.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    parsed["Statement"] = statements
    return parsed


def go_json(value: Any, *, indent: int | None) -> str:
    """JSON the way Go's encoding/json writes it (HTML-safe escapes, no ASCII escaping)."""
    if indent is None:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=indent)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(config: dict[str, Any]) -> dict[str, Any]:
    """Compute `json`, `minified_json` and `id` for an aws_iam_policy_document configuration."""
    statements: list[dict[str, Any]] = []
    version = config.get("version") or "2012-10-17"
    policy_id = config.get("policy_id")
    for i, source in enumerate(config.get("source_policy_documents") or []):
        parsed = _parse(source, where=f"source_policy_documents[{i}]")
        _merge(statements, parsed["Statement"], where="source")
    own = [_statement(block) for block in config.get("statement") or []]
    sids = [s["Sid"] for s in own if "Sid" in s]
    if len(sids) != len(set(sids)):
        raise PolicyDocumentError(f"duplicate Sid in statements: {sorted(sids)}")
    _merge(statements, own, where="statement")
    for i, override in enumerate(config.get("override_policy_documents") or []):
        parsed = _parse(override, where=f"override_policy_documents[{i}]")
        _merge(statements, parsed["Statement"], where="override")
    document: dict[str, Any] = {"Version": version}
    if policy_id:
        document["Id"] = policy_id
    document["Statement"] = statements
    pretty = go_json(document, indent=2)
    return {
        "json": pretty,
        "minified_json": go_json(document, indent=None),
        "id": str(zlib.crc32(pretty.encode())),
        "version": config.get("version"),
    }
