"""The pattern engine, operator family by operator family, against AWS's behaviour (reference notes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genesys_audit.eventpattern import (
    DEFAULT_MAX_PATTERN_SIZE,
    InvalidPatternError,
    compile,
    matches,
    validate,
)

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


# -- exact values ---------------------------------------------------------------------------------


def test_exact_strings_are_case_sensitive_and_literal():
    assert matches({"a": ["x"]}, {"a": "x"})
    assert not matches({"a": ["x"]}, {"a": "X"})
    assert not matches({"a": ["v2.*"]}, {"a": "v2.audits"})  # '*' is literal in a plain string
    assert matches({"a": ["v2.*"]}, {"a": "v2.*"})


def test_numbers_compare_numerically_booleans_and_null_exactly():
    assert matches({"n": [300]}, {"n": 300.0})  # AWS matches, though its docs say otherwise
    assert not matches({"n": [300]}, {"n": "300"})
    assert matches({"b": [True]}, {"b": True}) and not matches({"b": [True]}, {"b": 1})
    assert matches({"z": [None]}, {"z": None})
    assert not matches({"z": [None]}, {}) and not matches({"z": [None]}, {"z": []})
    assert matches({"e": [""]}, {"e": ""}) and not matches({"e": [""]}, {"e": None})


def test_keys_are_anded_values_ored_and_unnamed_fields_ignored():
    pattern = {"a": ["1", "2"], "b": ["x"]}
    assert matches(pattern, {"a": "2", "b": "x", "c": "anything"})
    assert not matches(pattern, {"a": "3", "b": "x"})
    assert not matches(pattern, {"a": "1"})
    assert not matches({"Key": ["x"]}, {"key": "x"})


def test_json_inside_a_string_is_not_parsed():
    assert not matches({"detail": {"k": ["v"]}}, {"detail": json.dumps({"k": "v"})})


def test_patterns_and_events_may_be_json_strings():
    assert matches(json.dumps({"a": ["x"]}), json.dumps({"a": "x"}))


# -- arrays ---------------------------------------------------------------------------------------


def test_event_arrays_match_when_any_element_matches():
    assert matches({"ip": ["198.51.100.23"]}, {"ip": ["10.0.0.1", "198.51.100.23"]})
    assert not matches({"ip": ["1.1.1.1"]}, {"ip": ["10.0.0.1"]})


def test_arrays_of_objects_are_flattened_through_nesting():
    e = event("05_user_division_move.json")
    assert matches({"detail": {"eventBody": {"propertyChanges": {"property": ["divisionId"]}}}}, e)
    assert not matches({"detail": {"eventBody": {"propertyChanges": {"property": ["name"]}}}}, e)
    assert matches({"a": {"b": {"c": ["x"]}}}, {"a": [{"b": [{"c": "y"}, {"c": "x"}]}]})


def test_conditions_on_one_array_of_objects_must_hold_in_the_same_element():
    """The stricter reading of the unsettled AWS case (see the module docstring)."""
    e = event("01_oauthclient_delete.json")  # deleted_on has newValues, scopes has oldValues
    same = {
        "detail": {
            "eventBody": {"propertyChanges": {"property": ["deleted_on"], "newValues": ["2025-06-10T14:03:20Z"]}}
        }
    }
    cross = {
        "detail": {"eventBody": {"propertyChanges": {"property": ["scopes"], "newValues": ["2025-06-10T14:03:20Z"]}}}
    }
    assert matches(same, e)
    assert not matches(cross, e)


def test_dotted_keys_match_nested_objects_both_ways():
    assert matches({"a.b": ["x"]}, {"a": {"b": "x"}})
    assert matches({"a": {"b": ["x"]}}, {"a.b": "x"})
    assert not matches({"a.b": ["x"]}, {"a": {"b": "y"}})


# -- string operators -------------------------------------------------------------------------------


def test_prefix_and_suffix_with_and_without_case_folding():
    assert matches({"t": [{"prefix": "v2.audits."}]}, {"t": "v2.audits.entitytype.User"})
    assert not matches({"t": [{"prefix": "V2."}]}, {"t": "v2.audits"})
    assert matches({"t": [{"prefix": {"equals-ignore-case": "V2.AUDITS"}}]}, {"t": "v2.audits.x"})
    assert matches({"t": [{"suffix": ".png"}]}, {"t": "a.png"}) and not matches(
        {"t": [{"suffix": ".PNG"}]}, {"t": "a.png"}
    )
    assert matches({"t": [{"suffix": {"equals-ignore-case": ".PNG"}}]}, {"t": "a.png"})
    assert matches({"t": [{"prefix": ""}]}, {"t": "anything"}) and not matches({"t": [{"prefix": ""}]}, {"t": 5})


def test_equals_ignore_case():
    assert matches({"t": [{"equals-ignore-case": "oauthclient"}]}, {"t": "OAuthClient"})
    assert not matches({"t": [{"equals-ignore-case": ""}]}, {"t": "x"})
    assert matches({"t": [{"equals-ignore-case": ""}]}, {"t": ""})


def test_wildcard_semantics_and_escapes():
    assert matches({"t": [{"wildcard": "v2.audits.*.entityid.*"}]}, {"t": "v2.audits.entitytype.User.entityid.1"})
    assert matches({"t": [{"wildcard": "a*"}]}, {"t": "a"})  # '*' matches zero characters
    assert matches({"t": [{"wildcard": "a\\*b"}]}, {"t": "a*b"}) and not matches(
        {"t": [{"wildcard": "a\\*b"}]}, {"t": "axb"}
    )
    assert matches({"t": [{"wildcard": "a\\\\b"}]}, {"t": "a\\b"})
    assert not matches({"t": [{"wildcard": ""}]}, {"t": "x"})


# -- anything-but -----------------------------------------------------------------------------------


def test_anything_but_values_match_null_but_not_a_missing_field():
    pattern = {"t": [{"anything-but": ["UserPresence"]}]}
    assert matches(pattern, {"t": "OAuthClient"}) and not matches(pattern, {"t": "UserPresence"})
    assert matches(pattern, {"t": None})
    assert not matches(pattern, {})
    assert matches({"n": [{"anything-but": [1, 2]}]}, {"n": 3}) and not matches(
        {"n": [{"anything-but": 1}]}, {"n": 1.0}
    )
    assert matches({"t": [{"anything-but": "x"}]}, {"t": "y"})


def test_anything_but_with_string_operators_and_non_string_values():
    assert not matches({"ip": [{"anything-but": {"prefix": "10.20."}}]}, {"ip": "10.20.3.4"})
    assert matches({"ip": [{"anything-but": {"prefix": ["10.20.", "192.168."]}}]}, {"ip": "203.0.113.9"})
    assert matches({"s": [{"anything-but": {"prefix": "x"}}]}, {"s": 12})  # non-strings match
    assert not matches({"s": [{"anything-but": {"suffix": ".tmp"}}]}, {"s": "a.tmp"})
    assert not matches({"s": [{"anything-but": {"equals-ignore-case": ["USERPRESENCE"]}}]}, {"s": "UserPresence"})
    assert not matches({"s": [{"anything-but": {"wildcard": "User*"}}]}, {"s": "UserPresence"})
    assert matches({"s": [{"anything-but": {"wildcard": "User*"}}]}, {"s": "Role"})


def test_exclusion_idiom_keeps_events_that_lack_the_field():
    keep_missing = {"clientId": {"id": [{"exists": False}, {"anything-but": ["automation"]}]}}
    assert matches(keep_missing, {"clientId": {"id": "human-client"}})
    assert matches(keep_missing, {"clientId": {}})
    assert matches(keep_missing, {})
    assert not matches(keep_missing, {"clientId": {"id": "automation"}})
    naive = {"clientId": {"id": [{"anything-but": ["automation"]}]}}
    assert not matches(naive, {})  # the trap the idiom avoids
    with_or = {
        "$or": [{"clientId": {"id": [{"exists": False}]}}, {"clientId": {"id": [{"anything-but": ["automation"]}]}}]
    }
    assert matches(with_or, {}) and not matches(with_or, {"clientId": {"id": "automation"}})


# -- numeric, cidr, exists --------------------------------------------------------------------------


def test_numeric_ranges_and_equality_match_numbers_only():
    assert matches({"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5})
    assert not matches({"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 0})
    assert matches({"n": [{"numeric": ["=", 3.0]}]}, {"n": 3})
    assert matches({"n": [{"numeric": [">", 100]}]}, {"n": 101.0})
    assert not matches({"n": [{"numeric": [">", 100]}]}, {"n": "300"}) and not matches(
        {"n": [{"numeric": [">", 1]}]}, {"n": None}
    )


def test_cidr_ipv4_and_ipv6():
    assert matches({"ip": [{"cidr": "198.51.100.0/24"}]}, {"ip": ["198.51.100.23"]})
    assert not matches({"ip": [{"cidr": "198.51.100.0/24"}]}, {"ip": "198.51.101.1"})
    assert matches({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8::1"})
    assert not matches({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": 10}) and not matches(
        {"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "x"}
    )


def test_exists_works_on_leaves_only():
    assert matches({"a": [{"exists": True}]}, {"a": "x"}) and matches({"a": [{"exists": True}]}, {"a": None})
    assert not matches({"a": [{"exists": True}]}, {"a": {"b": 1}})
    assert not matches({"a": [{"exists": True}]}, {"a": []})
    assert matches({"a": {"b": [{"exists": False}]}}, {})  # a missing parent counts as missing
    assert not matches({"a": [{"exists": False}]}, {"a": "x"})


# -- $or --------------------------------------------------------------------------------------------


def test_or_at_any_level_and_nested():
    pattern = {"detail": {"$or": [{"a": ["1"]}, {"b": ["2"], "$or": [{"c": ["3"]}, {"d": ["4"]}]}]}}
    assert matches(pattern, {"detail": {"a": "1"}})
    assert matches(pattern, {"detail": {"b": "2", "d": "4"}})
    assert not matches(pattern, {"detail": {"b": "2"}})
    assert matches({"$or": [{"x": ["1"]}, {"y": ["2"]}]}, {"y": "2"})


# -- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ([1], "Filter is not an object"),
        ("not json", "pattern is not valid JSON"),
        ({"int": 42}, '"int" must be an object or an array'),
        (
            {"detail": {"eventBody": {"entityType": "OAuthClient"}}},
            '"detail.eventBody.entityType" must be an object or an array',
        ),
        ({"a": []}, "a: Empty arrays are not allowed"),
        ({"a": [{"EXISTS": True}]}, "a[0]: Unrecognized match type EXISTS"),
        ({"a": [{"NUMERIC": [">", 1]}]}, "Unrecognized match type NUMERIC"),
        ({"a": [{"prefix": ["x"]}]}, "prefix match pattern must be a string"),
        ({"a": [{"prefix": 1}]}, "prefix match pattern must be a string"),
        ({"a": [{"equals-ignore-case": ["x"]}]}, "equals-ignore-case match pattern must be a string"),
        ({"a": [{"wildcard": "a**b"}]}, "Consecutive wildcard characters at pos 2"),
        ({"a": [{"wildcard": "*:*:*:*:*:*:*:*:*:*:*:event-bus/*"}]}, "Rule is too complex"),
        ({"a": [{"anything-but": [None]}]}, "anything but list"),
        ({"a": [{"anything-but": [True]}]}, "anything but list"),
        ({"a": [{"anything-but": ["x", 1]}]}, "anything but list"),
        ({"a": [{"anything-but": {"prefix": ""}}]}, "Null prefix not allowed"),
        ({"a": [{"anything-but": {"suffix": ""}}]}, "Null suffix not allowed"),
        ({"a": [{"anything-but": {"prefix": {"equals-ignore-case": "x"}}}]}, "anything-but prefix match pattern"),
        ({"a": [{"numeric": [">", 0, ">", 0]}]}, "Bad numeric range operator"),
        ({"a": [{"numeric": [">", 0, "<"]}]}, "Value of < must be numeric"),
        ({"a": [{"numeric": ["!=", 1]}]}, "Unrecognized numeric range operator"),
        ({"a": [{"numeric": [">", "1"]}]}, "Value of > must be numeric"),
        ({"a": [{"cidr": "10.0.0.1"}]}, "Malformed CIDR, one '/' required"),
        ({"a": [{"cidr": "10.0.0/x"}]}, "mask bits must be an integer"),
        ({"a": [{"cidr": "10.0.0.300/8"}]}, "Nonstandard IP address"),
        ({"a": [{"exists": "yes"}]}, "exists match pattern must be either true or false"),
        ({"a": [["x"]]}, "Match value must be String, number, true, false, or null"),
        ({"$or": [{"a": ["x"]}]}, "$or must be an array of at least 2 objects"),
        ({"a": [{"prefix": "x", "suffix": "y"}]}, "exactly one operator"),
    ],
)
def test_validation_errors_name_the_path(pattern, message):
    with pytest.raises(InvalidPatternError) as raised:
        validate(pattern)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_pattern_size_limit_is_the_quota_and_can_be_raised():
    big = {"detail": {"eventBody": {"entityType": [f"Entity{i:04d}" for i in range(200)]}}}
    size = len(json.dumps(big, separators=(",", ":")))
    assert DEFAULT_MAX_PATTERN_SIZE < size < 4096
    with pytest.raises(InvalidPatternError, match=f"pattern is {size} characters; the limit is 2048"):
        validate(big)
    validate(big, max_size=4096)


def test_or_combinations_are_limited_to_1000():
    def group(prefix: str, n: int) -> dict:
        return {"$or": [{f"{prefix}{i}": ["x"]} for i in range(n)]}

    validate({"a": group("a", 10), "b": group("b", 10), "c": group("c", 10)})  # exactly 1000
    with pytest.raises(InvalidPatternError, match="expands to 1100 rule combinations"):
        validate({"a": group("a", 10), "b": group("b", 10), "c": group("c", 11)})


# -- realistic and property-based -------------------------------------------------------------------


def test_genesys_samples_against_candidate_patterns():
    noise = {
        "detail-type": ["v2.audits.entitytype.{id}.entityid.{id}"],
        "detail": {"eventBody": {"entityType": [{"anything-but": ["UserPresence"]}]}},
    }
    assert matches(noise, event("01_oauthclient_delete.json"))
    assert not matches(noise, event("09_userpresence_audit.json"))
    assert not matches(noise, event("08_user_presence_topic.json"))  # another detail-type
    by_topic = {"detail": {"topicName": [{"prefix": "v2.audits.entitytype.OAuthClient.entityid."}]}}
    assert matches(by_topic, event("02_oauthclient_update_secret.json"))
    assert not matches(by_topic, event("03_recording_delete.json"))
    no_human = {"detail": {"eventBody": {"userId": [{"exists": False}]}}}
    assert matches(no_human, event("07_automation_client_change.json"))
    assert not matches(no_human, event("01_oauthclient_delete.json"))


scalars = st.one_of(st.text(max_size=8), st.integers(-1000, 1000), st.booleans(), st.none())
flat_events = st.dictionaries(st.text(alphabet="abcxyz", min_size=1, max_size=3), scalars, min_size=1, max_size=5)


@given(flat_events)
def test_a_pattern_built_from_an_event_matches_it(evt):
    pattern = {key: [value] for key, value in evt.items()}
    assert matches(pattern, evt)


@given(flat_events.filter(lambda e: any(isinstance(v, str) for v in e.values())))
def test_anything_but_a_present_value_never_matches_it(evt):
    key, value = next((k, v) for k, v in evt.items() if isinstance(v, str))
    assert not matches({key: [{"anything-but": [value]}]}, evt)


def test_compiled_patterns_are_reusable_and_agree_with_matches():
    pattern = {"detail": {"eventBody": {"entityType": ["Role"], "action": ["MemberAdd", "MemberRemove"]}}}
    compiled = compile(pattern)
    corpus = [json.loads(p.read_text()) for p in sorted(EVENTS.glob("[0-9]*.json"))]
    assert [compiled.matches(e) for e in corpus] == [matches(pattern, e) for e in corpus]
    assert sum(compiled.matches(e) for e in corpus) == 3
