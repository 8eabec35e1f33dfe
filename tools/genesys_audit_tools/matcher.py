"""A set of EventBridge patterns compiled into one matcher: the per-rule engine's answers, much faster.

    ruleset = RuleSet([("oauth-client-delete", pattern), ...])
    ruleset.matching(event)          # -> ["oauth-client-delete", ...] in the order given

Like EventBridge's own ruler, it avoids testing every rule against every event. Each pattern is
parsed and validated by the project's engine (`genesys_audit.eventpattern`), which also gives it as
a formula over its leaves (`CompiledPattern.clause()`: leaf conditions at absolute fields ANDed,
`$or` groups). Compiling the set:

- fields (object nesting + leaf key) and leaf conditions are numbered across all rules, so a field
  is read and a condition (e.g. the shared exclusions on `userId`, `remoteIp`, `clientId.id`) is
  tested at most once per event, whatever the number of rules naming it;
- each rule is indexed by the literal values of its most selective exact-string field outside
  `$or`: the one whose values the fewest other rules list (the entity type, rather than the source
  or detail-type every rule names). Rules without such a field are tried on every event.

For an event, the matcher reads the indexed fields, takes the rules whose literals it finds there
and evaluates their formulas. A formula is the pattern exactly when each object of the pattern's
nesting is at most one object of the event; where a step reaches several (an array of objects, a
key spelled both nested and dotted) the engine's same-element rule decides and the rule is asked
of the engine itself. Field values come from the engine's own walk (`objects_at`, `values_at`,
with its one-key fast path inlined), and leaf tests are the engine's: one implementation of the
semantics, identical answers (property tests in tests/unit/test_matcher.py check it).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from genesys_audit import eventpattern

K = TypeVar("K", bound=Hashable)

__all__ = ["RuleSet"]

_AMBIGUOUS = object()  # a step of the nesting reached several objects of the event


def _single(segments: tuple[str, ...]) -> str | None:
    """The key of a one-part key, for the engine's fast path."""
    return segments[0] if len(segments) == 1 else None


class _Formula:
    """A rule's `Clause` over numbered conditions: leaves (literal ones first) AND `$or` groups."""

    __slots__ = ("leaves", "ors")

    def __init__(self, leaves: tuple[int, ...], ors: tuple[tuple[_Formula, ...], ...]) -> None:
        self.leaves = leaves
        self.ors = ors


class _Event:
    """What one event's matching has found so far: objects per chain, values per field, leaf results."""

    __slots__ = ("ambiguous", "event", "objects", "results", "spread", "values")

    def __init__(
        self, event: dict[str, Any], found: tuple[list[Any], bool, dict[int, list[Any]]], sizes: tuple[int, int]
    ) -> None:
        objects, ambiguous, spread = found
        fields, tests = sizes
        self.event = event
        self.objects = objects
        self.ambiguous = ambiguous
        self.spread = spread
        self.values: list[list[Any] | None] = [None] * fields
        self.results: list[bool | None] = [None] * tests


class _Rule:
    __slots__ = ("chains", "compiled", "formula")

    def __init__(self, compiled: eventpattern.CompiledPattern, formula: _Formula, chains: tuple[int, ...]) -> None:
        self.compiled = compiled
        self.formula = formula
        self.chains = chains


class RuleSet(Generic[K]):
    """Patterns keyed by K (rule keys, ARNs...), matched together. Invalid patterns raise
    `eventpattern.InvalidPatternError` naming the key."""

    def __init__(self, patterns: Iterable[tuple[K, Any]] | Mapping[K, Any]) -> None:
        items = list(patterns.items() if isinstance(patterns, Mapping) else patterns)
        self.keys: list[K] = [key for key, _ in items]
        self._chains: list[eventpattern.Chain] = [()]
        self._chain_ids: dict[eventpattern.Chain, int] = {(): 0}
        self._fields: list[tuple[int, tuple[str, ...], str | None]] = []  # (chain id, leaf key, one-part key)
        self._field_ids: dict[eventpattern.Field, int] = {}
        self._tests: list[Any] = []  # the engine's leaf test of each condition
        self._condition_field: list[int] = []
        self._condition_ids: dict[tuple[int, str], int] = {}
        self._rules: list[_Rule] = []
        clauses: list[eventpattern.Clause] = []
        for key, pattern in items:
            try:
                compiled = eventpattern.compile(pattern)
            except eventpattern.InvalidPatternError as exc:
                raise eventpattern.InvalidPatternError(f"rule {key}: {exc}") from exc
            clause = compiled.clause()
            clauses.append(clause)
            used: set[int] = {0}
            formula = self._formula(clause, used)
            self._rules.append(_Rule(compiled, formula, tuple(sorted(used))))
        # Parents before children, to resolve every chain of the nesting once per event.
        self._steps = [
            (i, self._chain_ids[chain[:-1]], chain[-1], _single(chain[-1]))
            for i, chain in enumerate(self._chains)
            if chain
        ]
        self._index: dict[int, dict[str, list[int]]] = {}
        self._always: list[int] = []
        self._build_index(clauses)
        self._index_fields = list(self._index)

    # -- compiling -----------------------------------------------------------------------------

    def _chain(self, chain: eventpattern.Chain, used: set[int]) -> int:
        for size in range(1, len(chain) + 1):
            prefix = chain[:size]
            if prefix not in self._chain_ids:
                self._chain_ids[prefix] = len(self._chains)
                self._chains.append(prefix)
            used.add(self._chain_ids[prefix])
        return self._chain_ids[chain]

    def _field(self, field: eventpattern.Field, used: set[int]) -> int:
        chain_id = self._chain(field[0], used)
        if field not in self._field_ids:
            self._field_ids[field] = len(self._fields)
            self._fields.append((chain_id, field[1], _single(field[1])))
        return self._field_ids[field]

    def _formula(self, clause: eventpattern.Clause, used: set[int]) -> _Formula:
        leaves: list[tuple[bool, int]] = []
        for condition in clause.leaves:
            field_id = self._field(condition.field, used)
            key = (field_id, condition.text)
            if key not in self._condition_ids:
                self._condition_ids[key] = len(self._tests)
                self._tests.append(condition.test)
                self._condition_field.append(field_id)
            leaves.append((condition.literals is None, self._condition_ids[key]))
        ordered = tuple(condition_id for _, condition_id in sorted(leaves))
        ors = tuple(tuple(self._formula(branch, used) for branch in group) for group in clause.ors)
        return _Formula(ordered, ors)

    def _build_index(self, clauses: list[eventpattern.Clause]) -> None:
        """Index each rule under its most selective exact-string field, if it has one."""
        literal: list[list[tuple[int, frozenset[str]]]] = []
        listed: dict[tuple[int, str], int] = {}
        for clause in clauses:
            conditions = [(self._field_ids[c.field], c.literals) for c in clause.leaves if c.literals is not None]
            literal.append(conditions)
            for field_id, values in conditions:
                for value in values:
                    listed[(field_id, value)] = listed.get((field_id, value), 0) + 1

        def crowd(field_id: int, values: frozenset[str]) -> int:
            """How many rules an event holding these values makes candidates (summed): fewest wins,
            so the entity type is chosen over the detail-type every rule names."""
            return sum(listed[(field_id, value)] for value in values)

        for i, conditions in enumerate(literal):
            if not conditions:
                self._always.append(i)
                continue
            field_id, values = min(conditions, key=lambda fc: (crowd(*fc), fc[0]))
            by_value = self._index.setdefault(field_id, {})
            for value in values:
                by_value.setdefault(value, []).append(i)

    # -- matching ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.keys)

    def matching(self, event: Any) -> list[K]:
        """Keys of the rules `event` (a dict) matches, in the order given."""
        return [self.keys[i] for i in self.matching_indices(event)]

    def matching_indices(self, event: Any) -> list[int]:
        """Positions (in the order given) of the rules `event` (a dict) matches."""
        if not isinstance(event, dict):
            return []
        state = _Event(event, self._resolve(event), (len(self._fields), len(self._tests)))
        values = state.values
        for field_id in self._index_fields:
            values[field_id] = self._field_values(state, field_id)
        candidates = set(self._always)
        for field_id, by_value in self._index.items():
            for value in values[field_id]:  # type: ignore[union-attr]
                if isinstance(value, str):
                    hit = by_value.get(value)
                    if hit:
                        candidates.update(hit)
        matched: list[int] = []
        for i in sorted(candidates):
            rule = self._rules[i]
            if state.ambiguous and any(state.objects[c] is _AMBIGUOUS for c in rule.chains):
                # Several objects at one step: the engine's same-element rule decides.
                if rule.compiled.matches(event):
                    matched.append(i)
            elif self._holds(rule.formula, state):
                matched.append(i)
        return matched

    def _resolve(self, event: dict[str, Any]) -> tuple[list[Any], bool, dict[int, list[Any]]]:
        """The event's object at each chain of the nesting (a dict, None when missing, or _AMBIGUOUS),
        whether any chain is ambiguous, and the objects of the ambiguous chains whose parent is not.
        A one-key step into a dict or a scalar is the engine's own fast path (`objects_at`), inlined;
        anything else (arrays, dotted keys) is the engine's walk."""
        objects: list[Any] = [event] + [None] * (len(self._chains) - 1)
        spread: dict[int, list[Any]] = {}
        ambiguous = False
        for chain_id, parent_id, segments, key in self._steps:
            parent = objects[parent_id]
            if parent is None or parent is _AMBIGUOUS:
                objects[chain_id] = parent
                continue
            if key is not None and key in parent:
                value = parent[key]
                if isinstance(value, dict):
                    objects[chain_id] = value
                    continue
                if not isinstance(value, list):
                    continue  # a scalar: the objects below are missing
            found = eventpattern.objects_at(parent, segments)
            if len(found) > 1:
                objects[chain_id] = _AMBIGUOUS
                ambiguous = True
                spread[chain_id] = [o for o in found if isinstance(o, dict)]
            elif found and isinstance(found[0], dict):
                objects[chain_id] = found[0]
        return objects, ambiguous, spread

    def _field_values(self, state: _Event, field_id: int) -> list[Any]:
        chain_id, segments, key = self._fields[field_id]
        obj = state.objects[chain_id]
        if obj is None:
            return []
        if obj is _AMBIGUOUS:  # for the index only: every value the engine could test there
            several = state.spread.get(chain_id)
            if several is None:  # an ambiguous parent: walk from the top
                return eventpattern.values_along(state.event, self._chains[chain_id], segments)
            return [v for o in several for v in eventpattern.values_at(o, segments)]
        if key is not None and key in obj:  # the engine's fast path (`values_at`) for a scalar
            value = obj[key]
            if not isinstance(value, list):
                return [value]
        return eventpattern.values_at(obj, segments)

    def _holds(self, formula: _Formula, state: _Event) -> bool:
        """The formula over the event's field values, each leaf test run once per event."""
        tests, condition_field, values, results = self._tests, self._condition_field, state.values, state.results
        for condition_id in formula.leaves:
            result = results[condition_id]
            if result is None:
                field_id = condition_field[condition_id]
                found = values[field_id]
                if found is None:
                    found = values[field_id] = self._field_values(state, field_id)
                result = results[condition_id] = tests[condition_id](found)
            if not result:
                return False
        return all(any(self._holds(branch, state) for branch in group) for group in formula.ors)
