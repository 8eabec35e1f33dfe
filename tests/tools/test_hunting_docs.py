"""Runbooks and hunting queries generated from the catalog (genesys_audit_tools.hunting)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from genesys_audit import eventpattern
from genesys_audit_tools import cli, hunting
from genesys_audit_tools.rules import load_events

REPO = Path(__file__).resolve().parents[2]
FIXTURE_CATALOG = REPO / "tests" / "fixtures" / "catalog" / "catalog_with_runbooks.json"
EVENTS = load_events(REPO / "tests" / "fixtures" / "events")
# The demo's HEC event shape (simulate/router.py: Firehose -> HEC): the EventBridge event as `event`.
HEC = [{"sourcetype": hunting.SOURCETYPE, "source": "aws:firehose:demo", "event": e.body} for e in EVENTS]
# Exclusions as modules/audit-rules compiles them into every catalog pattern.
EXCLUSIONS = {
    "clientId": {"id": [{"exists": False}, {"anything-but": ["c3d4e5f6-3333-4c4c-8d8d-000000000099"]}]},
    "userId": [{"exists": False}, {"anything-but": ["9f9f9f9f-0000-4000-8000-00000000e0e0"]}],
    "remoteIp": [{"exists": False}, {"anything-but": {"prefix": ["10.20.", "192.168."]}}],
}


def _patterns(with_exclusions: bool) -> list[tuple[str, dict]]:
    out = []
    for rule in hunting.load_catalog():
        pattern = hunting.catalog_pattern(rule)
        if with_exclusions:
            pattern["detail"]["eventBody"].update(copy.deepcopy(EXCLUSIONS))
        out.append((rule["key"], pattern))
    return out


def _engine(pattern: dict) -> list[int]:
    return [i for i, e in enumerate(EVENTS) if eventpattern.matches(pattern, e.body)]


def test_catalog_pattern_is_the_terraform_rendering():
    # modules/audit-rules: entityType / action / propertyChanges.property under detail.eventBody.
    rules = {r["key"]: r for r in hunting.load_catalog()}
    assert hunting.catalog_pattern(rules["division-move"])["detail"] == {
        "eventBody": {"propertyChanges": {"property": ["divisionId"]}}
    }
    assert hunting.catalog_pattern(rules["oauth-client-delete"])["detail"] == {
        "eventBody": {"entityType": ["OAuthClient"], "action": ["Delete"]}
    }
    scim = {"key": "k", "match": {"entity_types": ["User"], "service_names": ["SCIM"]}}
    assert hunting.catalog_pattern(scim)["detail"] == {"eventBody": {"entityType": ["User"], "serviceName": ["SCIM"]}}


@pytest.mark.parametrize("with_exclusions", [False, True], ids=["catalog", "with-exclusions"])
def test_spl_selects_exactly_what_the_pattern_engine_matches(with_exclusions):
    matched_somewhere = 0
    for key, pattern in _patterns(with_exclusions):
        query = hunting.spl_query(pattern, key)
        expected = _engine(pattern)
        assert hunting.evaluate_spl(query, HEC) == expected, (key, query)
        matched_somewhere += bool(expected)
    assert matched_somewhere >= 15  # the corpus exercises nearly every rule, not empty sets


@pytest.mark.parametrize("with_exclusions", [False, True], ids=["catalog", "with-exclusions"])
def test_insights_selects_exactly_what_the_pattern_engine_matches(with_exclusions):
    bodies = [e.body for e in EVENTS]
    for key, pattern in _patterns(with_exclusions):
        query = hunting.insights_query(pattern, key)
        assert hunting.evaluate_insights(query, bodies) == _engine(pattern), (key, query)


def test_exclusions_change_the_selection_on_the_corpus():
    # Fixtures 29 (trusted IP) and 31 (excluded user) leave once the exclusions are in the pattern.
    plain = dict(_patterns(False))
    excl = dict(_patterns(True))
    labels = lambda ids: {EVENTS[i].file for i in ids}  # noqa: E731
    key = "oauth-client-delete"
    assert "29_oauthclient_delete_from_trusted_ip.json" in labels(
        hunting.evaluate_spl(hunting.spl_query(plain[key], key), HEC)
    )
    # Fixture 29's remoteIp must fall under the excluded prefixes for this to hold.
    ip = EVENTS[[e.file for e in EVENTS].index("29_oauthclient_delete_from_trusted_ip.json")].body["detail"][
        "eventBody"
    ]["remoteIp"][0]
    assert ip.startswith(("10.20.", "192.168.")), ip
    assert "29_oauthclient_delete_from_trusted_ip.json" not in labels(
        hunting.evaluate_spl(hunting.spl_query(excl[key], key), HEC)
    )


def test_spl_is_case_sensitive_like_eventbridge():
    # Fixture 28 spells the entity type in lower case: EventBridge does not match it, neither may Splunk.
    key, pattern = next((k, p) for k, p in _patterns(False) if k == "oauth-client-delete")
    selected = {EVENTS[i].file for i in hunting.evaluate_spl(hunting.spl_query(pattern, key), HEC)}
    assert "28_oauthclient_delete_lowercase_type.json" not in selected
    assert "01_oauthclient_delete.json" in selected


def test_spl_evaluator_rejects_what_it_does_not_know():
    with pytest.raises(hunting.CatalogDocsError, match="outside the supported subset"):
        hunting.evaluate_spl("search index=genesys_audit | stats count", HEC)
    with pytest.raises(hunting.CatalogDocsError, match="not extracted by spath"):
        hunting.evaluate_spl("search index=genesys_audit | where isnull(x)", HEC)


@pytest.mark.parametrize("with_exclusions", [False, True], ids=["catalog", "with-exclusions"])
def test_insights_queries_parse(with_exclusions):
    for key, pattern in _patterns(with_exclusions):
        hunting.check_insights(hunting.insights_query(pattern, key))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('fields @timestamp | filter a in ["x"', "expected ], found 'end of query'"),
        ("fields @timestamp | stats count(a) by b", "not one of"),
        ("filter a like /([/", "bad regular expression"),
        ('filter a in ["x"] and', "end of query"),
        ("fields @timestamp | limit 20000", "at most 10000"),
    ],
)
def test_insights_checker_rejects_bad_queries(query, message):
    with pytest.raises(hunting.CatalogDocsError, match=message):
        hunting.check_insights(query)


def test_insights_exclusions_keep_absent_fields():
    key, pattern = _patterns(True)[0]
    query = hunting.insights_query(pattern, key)
    user = "detail.eventBody.userId"
    assert f'(not ispresent({user}) or ({user} not in ["9f9f9f9f-0000-4000-8000-00000000e0e0"]))' in query
    assert "not detail.eventBody.remoteIp.0 like /^(10\\.20\\.|192\\.168\\.)/" in query


def test_unsupported_pattern_names_the_rule():
    with pytest.raises(hunting.CatalogDocsError, match=r"catalog rule 'x'.*numeric"):
        list(hunting.conditions({"detail": {"n": [{"numeric": [">", 1]}]}}, "catalog rule 'x'"))


def test_runbooks_from_the_fixture_catalog():
    rules = hunting.load_catalog(FIXTURE_CATALOG)
    text = hunting.render_runbooks(rules)
    for rule in rules:
        section = text.split(f"\n## {rule['key']}\n", 1)[1].split("\n## ", 1)[0]
        for heading in (
            "### Triage",
            "### Containment in Genesys Cloud",
            "### Evidence to collect",
            "### Known false positives",
            "### Hunting queries",
        ):
            assert heading in section, (rule["key"], heading)
        assert rule["runbook"]["triage"][0] in section
        assert all(t in section for t in rule["attack"])
        assert 'index=genesys_audit sourcetype="genesys:cloud:audit"' in section and "| filter " in section
        assert rule["runbook_url"].split("#", 1)[1] in hunting.anchors(text)


@pytest.mark.parametrize("field", ["attack", "controls", "severity_reason", "runbook", "runbook.triage", "runbook.why"])
def test_missing_documentation_field_names_rule_and_field(field):
    rules = hunting.load_catalog(FIXTURE_CATALOG)
    target = rules[1]
    *parents, last = field.split(".")
    holder = target
    for p in parents:
        holder = holder[p]
    del holder[last]
    with pytest.raises(hunting.CatalogDocsError, match=f"catalog rule 'division-move' has no `{field}`"):
        hunting.render_runbooks(rules)


def test_threshold_rule_states_its_condition():
    rules = hunting.load_catalog(FIXTURE_CATALOG)
    rules[0]["threshold"] = {"count": 10, "window_minutes": 15, "group_by": "source_ip"}
    text = hunting.render_runbooks(rules)
    assert "Threshold: 10 or more matching events within 15 minutes per source ip" in text
    assert text.count("Threshold:") == 1


def test_github_anchors():
    assert hunting.anchors("# A b\n## oauth-client-delete\n### Triage\n### Triage\n```\n# not a heading\n```\n") == {
        "a-b",
        "oauth-client-delete",
        "triage",
        "triage-1",
    }
    assert hunting.github_anchor("What happened & why?") == "what-happened--why"


def test_savedsearches_one_stanza_per_rule():
    rules = hunting.load_catalog()
    conf = hunting.render_savedsearches(rules)
    stanzas = [line for line in conf.splitlines() if line.startswith("[")]
    assert stanzas == [f"[Genesys audit - {r['key']}]" for r in rules]
    searches = [line.removeprefix("search = ") for line in conf.splitlines() if line.startswith("search = ")]
    assert len(searches) == len(rules)
    for s in searches:
        hunting.evaluate_spl(s, HEC[:1])  # each parses in the evaluator's grammar


def test_queries_json_is_current():
    # modules/audit-rules reads it for aws_cloudwatch_query_definition.
    assert hunting.QUERIES.read_text() == hunting.render_queries_json(hunting.load_catalog())
    assert hunting.SAVEDSEARCHES.read_text() == hunting.render_savedsearches(hunting.load_catalog())


# --- over the real catalog: these need the documentation fields on every catalog rule -------------------


def test_every_catalog_rule_has_a_runbook_section():
    rules = hunting.load_catalog()
    text = hunting.render_runbooks(rules)
    assert hunting.RUNBOOKS.read_text() == text, "docs/runbooks.md is stale: run `genesys-audit catalog docs`"


def test_every_runbook_url_anchor_resolves_to_a_heading():
    found = hunting.anchors(hunting.RUNBOOKS.read_text()) if hunting.RUNBOOKS.exists() else set()
    missing = []
    for rule in hunting.load_catalog():
        path, _, anchor = rule["runbook_url"].partition("#")
        assert path == "docs/runbooks.md", rule["key"]
        if anchor not in found:
            missing.append(rule["key"])
    assert not missing, f"runbook_url anchors without a heading in docs/runbooks.md: {missing}"


def test_cli_check_reports_stale(capsys, tmp_path, monkeypatch):
    for name in ("QUERIES", "SAVEDSEARCHES", "RUNBOOKS"):
        monkeypatch.setattr(hunting, name, tmp_path / f"{name.lower()}.out")
    monkeypatch.setattr(hunting, "REPO", tmp_path)
    (tmp_path / "README.md").write_text("no generated section\n")
    monkeypatch.setattr(hunting, "CATALOG", FIXTURE_CATALOG)
    assert hunting._run(True, FIXTURE_CATALOG) == 1
    assert "stale generated files" in capsys.readouterr().out
    assert hunting._run(False, FIXTURE_CATALOG) == 0
    assert hunting._run(True, FIXTURE_CATALOG) == 0
    assert json.loads((tmp_path / "queries.out").read_text()).keys() == {"oauth-client-delete", "division-move"}


def test_cli_regenerates_the_module_readmes_too(tmp_path, monkeypatch, capsys):
    module = tmp_path / "modules" / "m"
    module.mkdir(parents=True)
    (module / "variables.tf").write_text('variable "x" {\n  description = "An input."\n  type = string\n}\n')
    (module / "README.md").write_text("# m\n\n<!-- BEGIN_TF_DOCS -->\n<!-- END_TF_DOCS -->\n")
    (tmp_path / "README.md").write_text("no generated section\n")
    for name in ("QUERIES", "SAVEDSEARCHES", "RUNBOOKS"):
        monkeypatch.setattr(hunting, name, tmp_path / f"{name.lower()}.out")
    monkeypatch.setattr(hunting, "REPO", tmp_path)
    assert hunting._run(True, FIXTURE_CATALOG) == 1
    assert "modules/m/README.md" in capsys.readouterr().out
    assert hunting._run(False, FIXTURE_CATALOG) == 0
    assert "`x`" in (module / "README.md").read_text()
    assert hunting._run(True, FIXTURE_CATALOG) == 0


def test_cli_names_the_missing_field(capsys, tmp_path, monkeypatch):
    rules = hunting.load_catalog(FIXTURE_CATALOG)
    del rules[0]["controls"]
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"rules": rules}))
    for name in ("QUERIES", "SAVEDSEARCHES", "RUNBOOKS"):
        monkeypatch.setattr(hunting, name, tmp_path / f"{name.lower()}.out")
    monkeypatch.setattr(hunting, "REPO", tmp_path)
    (tmp_path / "README.md").write_text("no generated section\n")
    monkeypatch.setattr(hunting, "CATALOG", catalog)
    assert cli.main(["catalog", "docs"]) == 2
    assert "error: catalog rule 'oauth-client-delete' has no `controls`" in capsys.readouterr().out
