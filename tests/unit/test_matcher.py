"""The compiled matcher gives exactly the per-rule engine's answers: properties over generated patterns
and events, plus the catalog-shaped cases (index, shared conditions, arrays, dotted keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from genesys_audit import eventpattern
from genesys_audit_tools.matcher import RuleSet

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"

# Small pools, so that generated patterns and events meet often.
KEYS = ["a", "b", "c", "a.b", "b.c"]
STRINGS = ["x", "y", "X", "xy", "10.0.0.1", "2001:db8::1", ""]
NUMBERS = [0, 1, 1.0, 2.5, -3, 300]
scalars = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.booleans(), st.none())
nonempty_strings = st.sampled_from([s for s in STRINGS if s])

operators = st.one_of(
    st.builds(lambda s: {"prefix": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"suffix": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"prefix": {"equals-ignore-case": s}}, nonempty_strings),
    st.builds(lambda s: {"equals-ignore-case": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"wildcard": s}, st.sampled_from(["x*", "*y", "*", "x*y", "10.*.1", ""])),
    st.builds(lambda v: {"anything-but": v}, st.lists(st.sampled_from(STRINGS), min_size=1, max_size=3)),
    st.builds(lambda v: {"anything-but": v}, st.sampled_from(NUMBERS)),
    st.builds(lambda s: {"anything-but": {"prefix": s}}, nonempty_strings),
    st.builds(lambda s: {"anything-but": {"wildcard": s}}, st.sampled_from(["x*", "*y"])),
    st.builds(lambda s: {"anything-but": {"equals-ignore-case": s}}, nonempty_strings),
    st.builds(
        lambda op, n: {"numeric": [op, n]}, st.sampled_from(["<", "<=", "=", ">", ">="]), st.sampled_from(NUMBERS)
    ),
    st.just({"numeric": [">", 0, "<=", 300]}),
    st.builds(lambda c: {"cidr": c}, st.sampled_from(["10.0.0.0/8", "2001:db8::/32"])),
    st.builds(lambda b: {"exists": b}, st.booleans()),
)
# Leaves: exact strings only (the indexed kind) half of the time, else any mix.
leaves = st.one_of(
    st.lists(st.sampled_from(STRINGS), min_size=1, max_size=3),
    st.lists(st.one_of(scalars, operators), min_size=1, max_size=3),
)


def _objects(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    children: st.SearchStrategy[Any] = leaves if depth == 0 else st.one_of(leaves, leaves, _objects(depth - 1))
    plain = st.dictionaries(st.sampled_from(KEYS), children, min_size=1, max_size=3)
    if depth == 0:
        return plain
    with_or = st.builds(
        lambda base, branches: {**base, "$or": branches},
        st.dictionaries(st.sampled_from(KEYS), children, max_size=2),
        st.lists(_objects(depth - 1), min_size=2, max_size=3),
    )
    return st.one_of(plain, plain, with_or)


patterns = _objects(2)

event_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    ),
    max_leaves=8,
)
flat_objects = st.dictionaries(st.sampled_from(KEYS), st.one_of(scalars, st.lists(scalars, max_size=2)), max_size=3)
# Arrays of objects under a key, where the same-element rule decides.
arrays_of_objects = st.lists(
    st.one_of(flat_objects, st.dictionaries(st.sampled_from(KEYS), flat_objects, max_size=2)), min_size=2, max_size=3
)
events = st.dictionaries(st.sampled_from(KEYS), st.one_of(event_values, arrays_of_objects, flat_objects), max_size=4)


def _valid(pattern: dict[str, Any]) -> bool:
    try:
        eventpattern.compile(pattern)
    except eventpattern.InvalidPatternError:
        return False
    return True


def per_rule(rules: list[dict[str, Any]], event: Any) -> list[int]:
    return [i for i, pattern in enumerate(rules) if eventpattern.compile(pattern).matches(event)]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(patterns, min_size=1, max_size=6), st.lists(events, min_size=1, max_size=8))
def test_the_compiled_matcher_gives_the_per_rule_engines_answer(rules, corpus):
    rules = [p for p in rules if _valid(p)]
    assume(rules)
    ruleset = RuleSet(enumerate(rules))
    for event in corpus:
        assert ruleset.matching_indices(event) == per_rule(rules, event), (rules, event)


@settings(max_examples=300, deadline=None)
@given(st.lists(patterns, min_size=1, max_size=4), events)
def test_patterns_built_from_an_events_values_agree_too(rules, event):
    """Patterns naming the event's own values, so that matches (not only misses) are frequent."""
    own = {key: [value] for key, value in event.items() if isinstance(value, str)}
    rules = [p for p in [*rules, own, {**own, **rules[0]}] if p and _valid(p)]
    assume(rules)
    assert RuleSet(enumerate(rules)).matching_indices(event) == per_rule(rules, event)


two_keys = st.sampled_from(["a", "b"])
element_objects = st.dictionaries(two_keys, st.sampled_from(STRINGS[:4]), min_size=1, max_size=2)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.dictionaries(two_keys, st.lists(st.sampled_from(STRINGS[:4]), min_size=1, max_size=2), min_size=2),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.lists(element_objects, min_size=2, max_size=3), min_size=1, max_size=6),
    st.sampled_from(["p", "p.q"]),
)
def test_conditions_on_an_array_of_objects_agree(bodies, arrays, where):
    """Several conditions under one array of objects: the engine's same-element rule must decide."""
    rules = [{where: body} for body in bodies] + [{"p": {"q": body}} for body in bodies]
    ruleset = RuleSet(enumerate(rules))
    for elements in arrays:
        for event in ({"p": elements}, {"p": {"q": elements}}, {"p": [{"q": elements}]}):
            assert ruleset.matching_indices(event) == per_rule(rules, event), (rules, event)


# -- the cases that matter for the catalog ---------------------------------------------------------


def corpus() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(EVENTS.glob("[0-9]*.json"))]


TRUSTED = {
    "userId": [{"exists": False}, {"anything-but": ["9f9f9f9f-0000-4000-8000-00000000e0e0"]}],
    "remoteIp": [{"exists": False}, {"anything-but": {"prefix": ["10.20."]}}],
}
CATALOG_LIKE = {
    "oauth-delete": {"detail": {"eventBody": {"entityType": ["OAuthClient"], "action": ["Delete"], **TRUSTED}}},
    "role": {"detail": {"eventBody": {"entityType": ["Role"], "action": ["MemberAdd", "MemberRemove"]}}},
    "division": {"detail": {"eventBody": {"propertyChanges": {"property": ["divisionId"]}, **TRUSTED}}},
    "all": {"detail": {"eventBody": {"entityType": [{"exists": False}, {"anything-but": ["UserPresence"]}]}}},
    "by-topic": {"detail": {"topicName": [{"prefix": "v2.audits.entitytype.OAuthClient."}]}},
    "same-element": {
        "detail": {"eventBody": {"propertyChanges": {"property": ["scopes"], "newValues": [{"exists": True}]}}}
    },
    "either": {
        "$or": [{"detail": {"eventBody": {"entityType": ["Queue"]}}}, {"detail-type": ["v2.users.{id}.presence"]}]
    },
}


def test_catalog_like_rules_over_the_fixture_corpus_agree_with_the_engine():
    ruleset = RuleSet(CATALOG_LIKE)
    rules = list(CATALOG_LIKE.values())
    hits = 0
    for event in corpus():
        expected = [list(CATALOG_LIKE)[i] for i in per_rule(rules, event)]
        assert ruleset.matching(event) == expected, event["detail"].get("eventBody", {}).get("id")
        hits += len(expected)
    assert hits > 40  # the corpus exercises the rules, not only their misses


def test_rules_are_indexed_by_their_most_selective_literal_field():
    ruleset = RuleSet(CATALOG_LIKE)
    indexed = {ruleset._fields[f][1] for f in ruleset._index}
    assert ("entityType",) in indexed and ("property",) in indexed
    # Rules with no exact-string condition outside $or are tried on every event.
    assert [ruleset.keys[i] for i in ruleset._always] == ["all", "by-topic", "either"]


def test_arrays_of_objects_keep_the_same_element_rule():
    pattern = {"p": {"name": ["scopes"], "new": [{"exists": True}]}}
    ruleset = RuleSet({"r": pattern})
    across = {"p": [{"name": "scopes"}, {"name": "other", "new": "v"}]}
    within = {"p": [{"name": "other"}, {"name": "scopes", "new": "v"}]}
    assert ruleset.matching(across) == [] and not eventpattern.matches(pattern, across)
    assert ruleset.matching(within) == ["r"]


def test_dotted_keys_in_events_and_patterns():
    ruleset = RuleSet({"nested": {"a": {"b": ["x"]}}, "dotted": {"a.b": ["x"]}})
    assert ruleset.matching({"a": {"b": "x"}}) == ["nested", "dotted"]
    assert ruleset.matching({"a.b": "x"}) == ["nested", "dotted"]
    assert ruleset.matching({"a": {"b": "y"}}) == []


def test_events_that_are_not_objects_match_nothing():
    ruleset = RuleSet({"r": {"a": [{"exists": False}]}})
    assert ruleset.matching({}) == ["r"]
    assert ruleset.matching([]) == [] and ruleset.matching("x") == []


def test_an_invalid_pattern_is_refused_naming_its_rule():
    with pytest.raises(eventpattern.InvalidPatternError, match=r"rule broken: .*Empty arrays"):
        RuleSet({"fine": {"a": ["x"]}, "broken": {"a": []}})
