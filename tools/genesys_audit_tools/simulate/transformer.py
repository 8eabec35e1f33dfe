"""EventBridge target input: `input`, `input_path` and `input_transformer`, as EventBridge applies them.

Input transformer semantics (AWS "Amazon EventBridge input transformation"): `input_paths` maps
names to JSONPath expressions on the event; in `input_template`, a `<name>` placeholder inside a
JSON string is replaced by the value's text (strings raw, other values as JSON), outside a string by
the value as JSON. Predefined placeholders: `<aws.events.event>` (the whole event, outside strings
only), `<aws.events.event.json>`, `<aws.events.rule-arn>`, `<aws.events.rule-name>` and
`<aws.events.event.ingestion-time>`. A path that does not resolve yields null (empty text in a string).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_STEP = re.compile(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]|\['([^']+)'\]")


class TransformError(ValueError):
    """The target input configuration cannot be applied."""


def json_path(event: Any, path: str) -> Any:
    """Resolve a simple JSONPath (`$.a.b`, `$.a[0]`, `$['a-b']`) on the event; None when absent."""
    if path == "$":
        return event
    if not path.startswith("$"):
        raise TransformError(f"JSONPath {path!r} must start with $")
    rest, current = path[1:], event
    position = 0
    while position < len(rest):
        match = _STEP.match(rest, position)
        if match is None:
            raise TransformError(f"unsupported JSONPath {path!r} at {rest[position:]!r}")
        key, index, quoted = match.groups()
        if index is not None:
            current = current[int(index)] if isinstance(current, list) and int(index) < len(current) else None
        else:
            name = key if key is not None else quoted
            current = current.get(name) if isinstance(current, dict) else None
        if current is None:
            return None
        position = match.end()
    return current


@dataclass(frozen=True)
class TargetInput:
    """How one target shapes what it receives."""

    input: str | None = None
    input_path: str | None = None
    input_paths: Mapping[str, str] | None = None
    input_template: str | None = None

    @classmethod
    def from_plan(cls, values: Mapping[str, Any]) -> TargetInput:
        """From an `aws_cloudwatch_event_target`'s planned values."""
        transformer = (values.get("input_transformer") or [None])[0] or {}
        return cls(
            input=values.get("input"),
            input_path=values.get("input_path"),
            input_paths=transformer.get("input_paths") or None,
            input_template=transformer.get("input_template"),
        )

    def apply(self, event: Mapping[str, Any], *, rule_arn: str, rule_name: str) -> str:
        """The text the target receives."""
        if self.input is not None:
            return self.input
        if self.input_path is not None:
            return json.dumps(json_path(event, self.input_path))
        if self.input_template is None:
            return json.dumps(event)
        values = {name: json_path(event, path) for name, path in (self.input_paths or {}).items()}
        predefined = {
            "aws.events.rule-arn": rule_arn,
            "aws.events.rule-name": rule_name,
            "aws.events.event.ingestion-time": event.get("time"),
            "aws.events.event.json": json.dumps(event),
        }
        return _render(self.input_template, values, predefined, event)


def _render(template: str, values: Mapping[str, Any], predefined: Mapping[str, Any], event: Any) -> str:
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        char = template[i]
        if char == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
            out.append(char)
            i += 1
            continue
        match = _PLACEHOLDER.match(template, i) if char == "<" else None
        if match is not None:
            name = match.group(1)
            if name == "aws.events.event":
                if in_string:
                    raise TransformError("<aws.events.event> cannot be used inside a JSON string")
                out.append(json.dumps(event))
                i = match.end()
                continue
            if name in values or name in predefined:
                value = values[name] if name in values else predefined[name]
                if in_string:
                    text = value if isinstance(value, str) else ("" if value is None else json.dumps(value))
                    out.append(json.dumps(text)[1:-1])
                else:
                    out.append(json.dumps(value))
                i = match.end()
                continue
        out.append(char)
        i += 1
    return "".join(out)
