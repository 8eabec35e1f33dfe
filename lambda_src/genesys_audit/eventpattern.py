"""EventBridge event patterns, matched and validated the way AWS actually behaves.

Public API: `matches(pattern, event)`, `validate(pattern)`, `compile(pattern)` and
`InvalidPatternError`; for matchers of many rules (genesys_audit_tools.matcher),
`CompiledPattern.clause()` (the pattern as a formula over its leaves), `objects_at`, `values_at` and
`values_along` (the engine's own walk of an event). Patterns and events may be dicts or JSON
strings. Semantics follow the project's research notes (reference/eventbridge-patterns.md), AWS
winning where its docs disagree:

- every leaf of a pattern is an array whose values are ORed; keys are ANDed; event fields the
  pattern does not name are ignored; keys and operator names are case-sensitive;
- exact strings, numbers (compared numerically: `[300]` matches `300.0`), booleans and null;
- `prefix`, `suffix` (both also with `equals-ignore-case` inside), `equals-ignore-case`, `wildcard`,
  `anything-but` (values, lists, and with `prefix`/`suffix`/`equals-ignore-case`/`wildcard`),
  `numeric`, `cidr` (IPv4 and IPv6), `exists`, and `$or` at any object level, nested;
- arrays in the event match when any element matches; arrays of objects are flattened;
- dotted keys: the pattern key `"a.b"` matches the nested `{"a": {"b": ..}}` and the other way round;
- `anything-but` matches null but not a missing field; `exists: true` matches leaves only.

Array consistency, which AWS leaves unsettled: when one pattern object has several conditions
under an array of objects (`{"a": {"x": [..], "y": [..]}}` with `a` an array), this engine requires
them to hold in the **same element** (the stricter reading, as event-ruler's default
`rulesForJSONEvent`); a match assembled from different elements does not count.

Limits: pattern size (2,048 characters by default, the adjustable quota; 4,096 is the API maximum)
and at most 1,000 combinations from `$or` expansion.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

__all__ = [
    "DEFAULT_MAX_PATTERN_SIZE",
    "MAX_OR_COMBINATIONS",
    "Clause",
    "CompiledPattern",
    "Condition",
    "InvalidPatternError",
    "compile",
    "matches",
    "objects_at",
    "validate",
    "values_along",
    "values_at",
]

DEFAULT_MAX_PATTERN_SIZE = 2048
API_MAX_PATTERN_SIZE = 4096
MAX_OR_COMBINATIONS = 1000
_NUMERIC_OPS = frozenset({"=", "<", "<=", ">", ">="})
# A wildcard with this many '*' followed by repeated text is what AWS calls "too complex".
_MAX_WILDCARD_STARS = 10

_MISSING = object()
Matcher = Callable[[Any], bool]


class InvalidPatternError(ValueError):
    """EventBridge would reject this pattern (the message names the offending path)."""


# -- parsing ---------------------------------------------------------------------------------------


def _load(value: Any, what: str) -> Any:
    if isinstance(value, (str, bytes, bytearray)):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidPatternError(f"{what} is not valid JSON: {exc}") from exc
    return value


def _path(parts: tuple[str, ...]) -> str:
    return ".".join(parts) or "<root>"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- leaf conditions ---------------------------------------------------------------------------------


def _string_operand(value: Any, op: str, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidPatternError(f"{where}: {op} match pattern must be a string")
    return value


def _wildcard_regex(value: str, where: str) -> re.Pattern[str]:
    out: list[str] = []
    stars = 0
    i = 0
    previous_star = False
    while i < len(value):
        char = value[i]
        if char == "\\":
            if i + 1 < len(value) and value[i + 1] in "*\\":
                out.append(re.escape(value[i + 1]))
                i += 2
                previous_star = False
                continue
            raise InvalidPatternError(f"{where}: Invalid escape character at pos {i}")
        if char == "*":
            if previous_star:
                raise InvalidPatternError(f"{where}: Consecutive wildcard characters at pos {i}")
            stars += 1
            out.append(".*")
            previous_star = True
        else:
            out.append(re.escape(char))
            previous_star = False
        i += 1
    if stars > _MAX_WILDCARD_STARS:
        raise InvalidPatternError(f"{where}: Rule is too complex - try using fewer wildcard characters")
    return re.compile("".join(out), re.DOTALL)


def _cidr(value: Any, where: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(value, str):
        raise InvalidPatternError(f"{where}: cidr match pattern must be a string")
    if value.count("/") != 1:
        raise InvalidPatternError(f"{where}: Malformed CIDR, one '/' required")
    address, bits = value.split("/")
    if not bits.isdigit():
        raise InvalidPatternError(f"{where}: Malformed CIDR, mask bits must be an integer")
    try:
        ipaddress.ip_address(address)
    except ValueError as exc:
        raise InvalidPatternError(f"{where}: Nonstandard IP address: {address}") from exc
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise InvalidPatternError(f"{where}: Malformed CIDR: {exc}") from exc


def _in_network(network: ipaddress.IPv4Network | ipaddress.IPv6Network, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False


def _numeric(spec: Any, where: str) -> Matcher:
    if not isinstance(spec, list) or not spec:
        raise InvalidPatternError(f"{where}: Value of numeric must be an array.")
    if len(spec) % 2:
        raise InvalidPatternError(f"{where}: Value of {spec[-1]} must be numeric")
    checks: list[tuple[str, float]] = []
    for i in range(0, len(spec), 2):
        op, bound = spec[i], spec[i + 1]
        if op not in _NUMERIC_OPS:
            raise InvalidPatternError(f"{where}: Unrecognized numeric range operator: {op}")
        if not _is_number(bound):
            raise InvalidPatternError(f"{where}: Value of {op} must be numeric")
        checks.append((op, float(bound)))
    if len(checks) > 2 or (len(checks) == 2 and (checks[0][0] in ("=",) or checks[1][0] in ("=",))):
        raise InvalidPatternError(f"{where}: Bad numeric range operator")
    if len(checks) == 2:
        lower = {c[0][0] for c in checks}
        if lower != {">", "<"}:
            raise InvalidPatternError(f"{where}: Bad numeric range operator")
        low = next(c for c in checks if c[0].startswith(">"))
        high = next(c for c in checks if c[0].startswith("<"))
        if low[1] > high[1]:
            raise InvalidPatternError(f"{where}: Bad numeric range: bottom must be less than top")

    compare: dict[str, Callable[[float, float], bool]] = {
        "=": lambda a, b: a == b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }

    def matcher(value: Any) -> bool:
        return _is_number(value) and all(compare[op](float(value), bound) for op, bound in checks)

    return matcher


def _string_or_strings(value: Any, op: str, where: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        raise InvalidPatternError(f"{where}: {op} match pattern must be a string or an array of strings")
    return values


def _anything_but(spec: Any, where: str) -> Matcher:
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise InvalidPatternError(f"{where}: anything-but takes exactly one operator")
        ((op, operand),) = spec.items()
        if op in ("prefix", "suffix"):
            values = _string_operand_list(operand, op, where)
            if any(v == "" for v in values):
                raise InvalidPatternError(f"{where}: Null {op} not allowed")
            test = str.startswith if op == "prefix" else str.endswith
            return lambda v: v is not _MISSING and not (isinstance(v, str) and any(test(v, p) for p in values))
        if op == "equals-ignore-case":
            lowered = {v.lower() for v in _string_operand_list(operand, op, where)}
            return lambda v: v is not _MISSING and not (isinstance(v, str) and v.lower() in lowered)
        if op == "wildcard":
            regexes = [_wildcard_regex(v, where) for v in _string_operand_list(operand, op, where)]
            return lambda v: v is not _MISSING and not (isinstance(v, str) and any(r.fullmatch(v) for r in regexes))
        raise InvalidPatternError(f"{where}: Unsupported anything-but pattern: {op}")
    values = spec if isinstance(spec, list) else [spec]
    if not values:
        raise InvalidPatternError(f"{where}: Empty arrays are not allowed")
    if all(isinstance(v, str) for v in values):
        strings = set(values)
        return lambda v: v is not _MISSING and not (isinstance(v, str) and v in strings)
    if all(_is_number(v) for v in values):
        numbers = {float(v) for v in values}
        return lambda v: v is not _MISSING and not (_is_number(v) and float(v) in numbers)
    raise InvalidPatternError(
        f"{where}: Inside anything but list, start|null|boolean is not supported; use only strings or only numbers"
    )


def _string_operand_list(operand: Any, op: str, where: str) -> list[str]:
    return _string_or_strings(operand, f"anything-but {op}", where)


def _prefix_or_suffix(op: str, operand: Any, where: str) -> Matcher:
    test = str.startswith if op == "prefix" else str.endswith
    if isinstance(operand, dict):
        if set(operand) != {"equals-ignore-case"}:
            raise InvalidPatternError(f"{where}: {op} match pattern must be a string")
        folded = _string_operand(operand["equals-ignore-case"], f"{op} equals-ignore-case", where).lower()
        return lambda v: isinstance(v, str) and test(v.lower(), folded)
    text = _string_operand(operand, op, where)
    return lambda v: isinstance(v, str) and test(v, text)


def _equals_ignore_case(op: str, operand: Any, where: str) -> Matcher:
    text = _string_operand(operand, op, where).lower()
    return lambda v: isinstance(v, str) and v.lower() == text


def _wildcard(op: str, operand: Any, where: str) -> Matcher:
    regex = _wildcard_regex(_string_operand(operand, op, where), where)
    return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None


def _cidr_matcher(op: str, operand: Any, where: str) -> Matcher:
    network = _cidr(operand, where)
    return lambda v: _in_network(network, v)


def _exists(op: str, operand: Any, where: str) -> Matcher:
    if not isinstance(operand, bool):
        raise InvalidPatternError(f"{where}: exists match pattern must be either true or false")
    if operand:
        return lambda v: v is not _MISSING and not isinstance(v, (dict, list))
    return lambda v: v is _MISSING


_BUILDERS: dict[str, Callable[[str, Any, str], Matcher]] = {
    "prefix": _prefix_or_suffix,
    "suffix": _prefix_or_suffix,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
    "anything-but": lambda op, operand, where: _anything_but(operand, where),
    "numeric": lambda op, operand, where: _numeric(operand, where),
    "cidr": _cidr_matcher,
    "exists": _exists,
}


def _operator(spec: dict[str, Any], where: str) -> Matcher:
    if len(spec) != 1:
        raise InvalidPatternError(f"{where}: a match object holds exactly one operator, got {sorted(spec)}")
    ((op, operand),) = spec.items()
    builder = _BUILDERS.get(op)
    if builder is None:
        raise InvalidPatternError(f"{where}: Unrecognized match type {op}")
    return builder(op, operand, where)


def _value(spec: Any, where: str) -> tuple[Matcher, bool]:
    """A matcher for one array value, and whether it is an `exists: false` test."""
    if isinstance(spec, dict):
        matcher = _operator(spec, where)
        return matcher, spec.get("exists") is False
    if isinstance(spec, list):
        raise InvalidPatternError(f"{where}: Match value must be String, number, true, false, or null")
    if spec is None:
        return (lambda v: v is None), False
    if isinstance(spec, bool):
        return (lambda v: v is spec), False
    if _is_number(spec):
        number = float(spec)
        return (lambda v: _is_number(v) and float(v) == number), False
    text = spec

    def exact(v: Any) -> bool:
        return isinstance(v, str) and v == text

    return exact, False


class _Leaf:
    """The OR of an array's values at one path."""

    __slots__ = ("absent_ok", "literals", "matchers", "text")

    def __init__(self, values: list[Any], where: str) -> None:
        if not values:
            raise InvalidPatternError(f"{where}: Empty arrays are not allowed")
        built = [_value(v, f"{where}[{i}]") for i, v in enumerate(values)]
        self.matchers = [m for m, _ in built]
        self.absent_ok = any(absent for _, absent in built)
        # Only exact strings: the leaf holds exactly when an event value is one of these.
        self.literals = frozenset(values) if all(isinstance(v, str) for v in values) else None
        self.text = json.dumps(values, sort_keys=True)

    def test(self, values: list[Any]) -> bool:
        """Any event value (an array flattens to its elements) satisfying any pattern value."""
        if not values:
            return self.absent_ok
        literals = self.literals
        if literals is not None:  # exact strings only: a set lookup instead of one test per value
            for value in values:  # noqa: SIM110 - a plain loop: this is the hot path of every match
                if isinstance(value, str) and value in literals:
                    return True
            return False
        for value in values:
            for matcher in self.matchers:
                if matcher(value):
                    return True
        return False


# -- structure ---------------------------------------------------------------------------------------

Chain = tuple[tuple[str, ...], ...]
Field = tuple[Chain, tuple[str, ...]]


class Condition(NamedTuple):
    """One leaf of a pattern at an absolute field.

    `field` is (chain, key): `chain` the nesting of pattern objects above the leaf (each step a key
    split on dots), `key` the leaf's key split on dots. `test(values)` is the leaf over the event
    values at the field (`values_at`; `[]` when the field is missing). `literals` are the exact
    strings of a leaf holding nothing else (it holds iff an event value is one of them), else None;
    `text` is the leaf's values as canonical JSON (equal texts at one field are one condition).
    """

    field: Field
    test: Callable[[list[Any]], bool]
    literals: frozenset[str] | None
    text: str


class Clause(NamedTuple):
    """A pattern as a formula: every leaf condition AND, for each `$or` group, one of its clauses.

    This equals the pattern wherever each object of the pattern's nesting is at most one object of
    the event (`objects_at` yields at most one item at every step, as in events without arrays of
    objects and without a key spelled both nested and dotted); a missing or non-object step makes
    the fields below it empty. Elsewhere the engine's same-element rule decides: use `matches`.
    """

    leaves: tuple[Condition, ...]
    ors: tuple[tuple[Clause, ...], ...]


class _Object:
    """An AND of keyed conditions, plus `$or` groups, over one object of the event."""

    def __init__(self, pattern: Any, parts: tuple[str, ...]) -> None:
        if not isinstance(pattern, dict):
            raise InvalidPatternError(
                "Filter is not an object" if not parts else f'"{_path(parts)}" must be an object or an array'
            )
        self.leaves: list[tuple[tuple[str, ...], _Leaf]] = []
        self.children: list[tuple[tuple[str, ...], _Object]] = []
        self.ors: list[list[_Object]] = []
        for key, value in pattern.items():
            if key == "$or":
                if not isinstance(value, list) or len(value) < 2:
                    raise InvalidPatternError(f"{_path((*parts, key))}: $or must be an array of at least 2 objects")
                self.ors.append([_Object(branch, (*parts, f"$or[{i}]")) for i, branch in enumerate(value)])
                continue
            where = (*parts, key)
            segments = tuple(key.split("."))
            if isinstance(value, list):
                self.leaves.append((segments, _Leaf(value, _path(where))))
            elif isinstance(value, dict):
                self.children.append((segments, _Object(value, where)))
            else:
                raise InvalidPatternError(f'"{_path(where)}" must be an object or an array')

    def combinations(self) -> int:
        """How many plain rules this object expands to through `$or`."""
        total = 1
        for _, child in self.children:
            total *= child.combinations()
        for group in self.ors:
            total *= sum(branch.combinations() for branch in group)
        return total

    def clause(self, chain: Chain) -> Clause:
        """This object's conditions with every child's folded in (children are ANDed) and paths absolute."""
        leaves = [
            Condition((chain, segments), leaf.test, leaf.literals, leaf.text) for segments, leaf in self.leaves
        ]
        ors = [tuple(branch.clause(chain) for branch in group) for group in self.ors]
        for segments, child in self.children:
            folded = child.clause((*chain, segments))
            leaves += folded.leaves
            ors += folded.ors
        return Clause(tuple(leaves), tuple(ors))

    def test(self, candidates: list[Any]) -> bool:
        """Whether one of the candidate objects (array elements, flattened) satisfies every condition."""
        return any(self._test_one(candidate) for candidate in candidates)

    def _test_one(self, obj: Any) -> bool:
        if not isinstance(obj, dict):
            return self._test_absent()
        for segments, leaf in self.leaves:
            if not leaf.test(_values_at(obj, segments)):
                return False
        for segments, child in self.children:
            found = _objects_at(obj, segments)
            if not found:
                if not child._test_absent():
                    return False
            elif not child.test(found):
                return False
        return all(any(branch._test_one(obj) for branch in group) for group in self.ors)

    def _test_absent(self) -> bool:
        """Whether the conditions hold for a missing object (only `exists: false` tests can)."""
        return (
            all(leaf.absent_ok for _, leaf in self.leaves)
            and all(child._test_absent() for _, child in self.children)
            and all(any(branch._test_absent() for branch in group) for group in self.ors)
        )


def _flatten(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def _lookup(obj: Any, segments: tuple[str, ...]) -> Iterator[Any]:
    """Values at a dotted path; dotted event keys and nested objects are equivalent, arrays flatten."""
    if not segments:
        yield obj
        return
    for item in _flatten(obj):
        if not isinstance(item, dict):
            continue
        found = False
        for size in range(len(segments), 0, -1):
            key = ".".join(segments[:size])
            if key in item:
                found = True
                yield from _lookup(item[key], segments[size:])
        if not found:
            # The event spells the path with dotted keys ({"a.b": ..}) where the pattern nests.
            prefix = segments[0] + "."
            virtual = {k[len(prefix) :]: v for k, v in item.items() if k.startswith(prefix)}
            if virtual:
                yield from _lookup(virtual, segments[1:])


def _values_at(obj: dict[str, Any], segments: tuple[str, ...]) -> list[Any]:
    """Leaf values at a path of one object; the common single-key case avoids the generic walk."""
    if len(segments) == 1 and segments[0] in obj:
        value = obj[segments[0]]
        return list(_flatten(value)) if isinstance(value, list) else [value]
    return list(_leaf_values(obj, segments))


def _objects_at(obj: dict[str, Any], segments: tuple[str, ...]) -> list[Any]:
    """Objects (array elements flattened) at a path of one object, with the same fast path."""
    if len(segments) == 1 and segments[0] in obj:
        value = obj[segments[0]]
        if isinstance(value, list):
            return [v for v in _flatten(value) if isinstance(v, dict)]
        return [value]
    return list(_objects(obj, segments))


def _leaf_values(obj: Any, segments: tuple[str, ...]) -> Iterator[Any]:
    for value in _lookup(obj, segments):
        if isinstance(value, list):
            yield from _flatten(value)
        else:
            yield value


def _objects(obj: Any, segments: tuple[str, ...]) -> Iterator[Any]:
    for value in _lookup(obj, segments):
        if isinstance(value, list):
            yield from (v for v in _flatten(value) if isinstance(v, dict))
        else:
            yield value


# -- public API --------------------------------------------------------------------------------------


# The engine's own walk, for matchers of many rules (`Clause`). objects_at(obj, segments): the items
# the engine takes for one step of a pattern's nesting under a dict of the event; values_at(obj, key):
# the values it tests for a leaf key (split on dots) of a dict of the event.
objects_at = _objects_at
values_at = _values_at


def values_along(event: Any, chain: tuple[tuple[str, ...], ...], leaf: tuple[str, ...]) -> list[Any]:
    """Every value the engine could test for the leaf `leaf` under the object nesting `chain`.

    The union over every object the engine can reach (array elements, dotted keys), so it is a
    superset of what any one match looks at: the exact walk `_Object.test` does, without the tests.
    """
    objects = [event] if isinstance(event, dict) else []
    for segments in chain:
        objects = [o for obj in objects for o in _objects_at(obj, segments) if isinstance(o, dict)]
    if len(objects) == 1:
        return _values_at(objects[0], leaf)
    return [v for obj in objects for v in _values_at(obj, leaf)]


class CompiledPattern:
    """A validated pattern, ready to match many events."""

    __slots__ = ("_root", "pattern")

    def __init__(self, pattern: Mapping[str, Any], root: _Object) -> None:
        self.pattern = pattern
        self._root = root

    def matches(self, event: Any) -> bool:
        """Whether the event (dict or JSON string) matches."""
        loaded = _load(event, "event")
        return isinstance(loaded, dict) and self._root.test([loaded])

    def clause(self) -> Clause:
        """The pattern as a formula over its leaves (see `Clause`), for matchers of many rules."""
        return self._root.clause(())


def _compile(pattern: Any, max_size: int) -> CompiledPattern:
    loaded = _load(pattern, "pattern")
    if not isinstance(loaded, dict):
        raise InvalidPatternError("Filter is not an object")
    size = len(json.dumps(loaded, separators=(",", ":"), ensure_ascii=False))
    if size > max_size:
        raise InvalidPatternError(
            f"<root>: pattern is {size} characters; the limit is {max_size} "
            f"(the 'Event pattern size' quota, adjustable up to {API_MAX_PATTERN_SIZE})"
        )
    root = _Object(loaded, ())
    combinations = root.combinations()
    if combinations > MAX_OR_COMBINATIONS:
        raise InvalidPatternError(
            f"<root>: $or expands to {combinations} rule combinations; EventBridge allows {MAX_OR_COMBINATIONS}"
        )
    return CompiledPattern(loaded, root)


@lru_cache(maxsize=512)
def _compile_cached(text: str, max_size: int) -> CompiledPattern:
    return _compile(text, max_size)


def compile(pattern: Any, *, max_size: int = DEFAULT_MAX_PATTERN_SIZE) -> CompiledPattern:
    """Validate and compile a pattern once, to match many events."""
    if isinstance(pattern, (str, bytes, bytearray)):
        text = pattern.decode() if isinstance(pattern, (bytes, bytearray)) else pattern
        return _compile_cached(text, max_size)
    return _compile(pattern, max_size)


def validate(pattern: Any, *, max_size: int = DEFAULT_MAX_PATTERN_SIZE) -> None:
    """Raise InvalidPatternError for anything EventBridge would reject."""
    compile(pattern, max_size=max_size)


def matches(pattern: Any, event: Any) -> bool:
    """Whether `event` matches `pattern` (each a dict or a JSON string)."""
    key = pattern if isinstance(pattern, str) else json.dumps(pattern, sort_keys=True)
    return _compile_cached(key, DEFAULT_MAX_PATTERN_SIZE).matches(event)
