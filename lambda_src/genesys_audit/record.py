"""The Genesys audit record (`detail.eventBody` of an audit notification), described once.

`FIELDS` is the one field table: the alert/consumer view (`audit.AuditView`) reads fields through it, the
webhook normaliser checks bodies against it and `genesys-audit rules lint` takes the record's field names from
it. Every field is optional (Genesys omits any of them, `username` is often `{"id": ""}`, `clientId` may be
`{}`); a JSON object is an audit record when it has at least one identifying field. Unknown fields and
unknown enum values pass through: enums are plain strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JSON_TYPES: Mapping[str, type] = {"string": str, "object": dict, "array": list}
_ARTICLE = {"string": "a string", "object": "an object", "array": "an array"}


@dataclass(frozen=True)
class Field:
    """One field: its JSON type, what it holds, and the fields inside it (of an object, or of each item)."""

    name: str
    type: str  # "string" | "object" | "array"
    description: str
    identifies: bool = False  # its presence alone makes a JSON object an audit record
    items: str | None = None  # for arrays: the JSON type of each item
    fields: tuple[Field, ...] = ()  # for objects, or for arrays of objects: the fields of each

    @property
    def expected(self) -> str:
        """`a string`, `an object`, `an array of strings`... as an error message says it."""
        if self.type == "array" and self.items == "string":
            return "an array of strings"
        return _ARTICLE[self.type]


def _ref(*names: str) -> tuple[Field, ...]:
    described = {
        "id": "the id (may be empty)",
        "name": "the display name",
        "selfUri": "the API path of the referenced object",
    }
    return tuple(Field(n, "string", described[n]) for n in names)


FIELDS: tuple[Field, ...] = (
    Field("id", "string", "the audit id, unique per audit", identifies=True),
    Field("userId", "string", "the user who acted; absent for client-credentials calls"),
    Field("userHomeOrgId", "string", "the acting user's home organisation"),
    Field("username", "object", "the acting user", fields=_ref("id", "name", "selfUri")),
    Field("userDisplay", "string", "the acting user's display name"),
    Field("clientId", "object", "the OAuth client that acted (`{}` when none)", fields=_ref("id", "selfUri")),
    Field("remoteIp", "array", "the caller's IP addresses", items="string"),
    Field("serviceName", "string", "the Genesys service that audited, e.g. Directory", identifies=True),
    Field("level", "string", "USER or SYSTEM (open enum)"),
    Field("eventTime", "string", "when it happened, ISO 8601 UTC", identifies=True),
    Field("message", "object", "the localisable audit message"),
    Field("action", "string", "what was done, e.g. Create, Update, Delete (open enum)", identifies=True),
    Field("entityType", "string", "the kind of object acted on, e.g. OAuthClient (open enum)", identifies=True),
    Field("entity", "object", "the object acted on", fields=_ref("id", "name", "selfUri")),
    Field(
        "propertyChanges",
        "array",
        "the changed properties; old and new values may be missing",
        items="object",
        fields=(
            Field("property", "string", "the property's name"),
            Field("oldValues", "array", "the values before"),
            Field("newValues", "array", "the values after"),
        ),
    ),
    Field("context", "object", "extra context Genesys attaches"),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
IDENTIFYING: tuple[str, ...] = tuple(f.name for f in FIELDS if f.identifies)
# What the REST audit query API (`AuditLogMessage`) calls differently, and what only it has: the backfill
# converts these; under `detail` of a rule pattern they match nothing, like the record's own fields.
REST_RENAMED: Mapping[str, str] = {"user": "username", "client": "clientId", "eventDate": "eventTime"}
REST_ONLY: tuple[str, ...] = ("status", "application", "initiatingAction", "transactionInitiator", "entityChanges")
_BY_PATH: dict[str, Field] = {}


def _index(fields: tuple[Field, ...], prefix: str) -> None:
    for f in fields:
        path = f"{prefix}{f.name}"
        _BY_PATH[path] = f
        _index(f.fields, f"{path}[]." if f.type == "array" else f"{path}.")


_index(FIELDS, "")
PATHS: tuple[str, ...] = tuple(_BY_PATH)  # "entity.id", "propertyChanges[].property", ...


def field_at(path: str) -> Field:
    """The field at a dotted path (`entity.id`; `propertyChanges[].property` inside each item)."""
    return _BY_PATH[path]


def has_type(value: Any, type_name: str) -> bool:
    """Whether a parsed JSON value has the JSON type `string`, `object` or `array`."""
    return isinstance(value, JSON_TYPES[type_name])


def value(record: Any, path: str) -> Any:
    """The value at a dotted path of `record` (`entity.id`) when it has the table's type, else None.

    Never raises on shape: a missing field, a parent of the wrong type or a value of the wrong type read as None.
    """
    node: Any = record
    parts = path.split(".")
    for n, name in enumerate(parts):
        if not isinstance(node, dict):
            return None
        node = node.get(name)
        if not has_type(node, _BY_PATH[".".join(parts[: n + 1])].type):
            return None
    return node


def type_errors(record: Mapping[str, Any], where: str) -> list[str]:
    """`<where>.<path>: expected <type>` for every known field (at any depth) whose value has the wrong type."""
    return _errors(record, FIELDS, where)


def _errors(obj: Mapping[str, Any], fields: tuple[Field, ...], where: str) -> list[str]:
    errors: list[str] = []
    for f in fields:
        got = obj.get(f.name)
        at = f"{where}.{f.name}"
        if got is None:
            continue
        if not has_type(got, f.type):
            errors.append(f"{at}: expected {f.expected}")
        elif f.type == "object":
            errors.extend(_errors(got, f.fields, at))
        elif f.items == "string":
            if not all(isinstance(item, str) for item in got):
                errors.append(f"{at}: expected {f.expected}")
        elif f.items == "object":
            for n, item in enumerate(got):
                if not isinstance(item, dict):
                    errors.append(f"{at}[{n}]: expected an object")
                else:
                    errors.extend(_errors(item, f.fields, f"{at}[{n}]"))
    return errors
