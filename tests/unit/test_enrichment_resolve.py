"""Name lookups against the fake Genesys API on 127.0.0.1: what is resolved, deleted objects, budgets,
401/403/429/5xx, token renewal, caching, hostile ids, and how names read in the alert."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from genesys_audit.alerting.message import (
    SUBJECT_MAX,
    build_alert,
    pagerduty_payload,
    parse_input,
    slack_payload,
    teams_payload,
)
from genesys_audit.audit import AuditView
from genesys_audit.backfill.credentials import ClientCredentials
from genesys_audit.enrichment.client import GenesysReader, login_base_url
from genesys_audit.enrichment.resolve import Resolver, targets
from genesys_audit_tools.simulate.fake_genesys import (
    ACTOR_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGenesys,
    sample_directory,
    serve,
)

Make = Callable[..., Resolver]
EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"
DELETED_CLIENT = "c3d4e5f6-3333-4c4c-8d8d-000000000003"


@pytest.fixture
def genesys() -> Iterator[FakeGenesys]:
    """The project's fake Genesys API on 127.0.0.1, serving the sample directory."""
    with serve(FakeGenesys(directory=sample_directory())) as fake:
        yield fake


@pytest.fixture
def make_resolver(genesys: FakeGenesys) -> Make:
    """A resolver (its own token and cache, like a fresh container) reading from the fake."""

    def make(*, secret: str = CLIENT_SECRET, ttl: float = 300, **reader: Any) -> Resolver:
        creds = ClientCredentials(CLIENT_ID, secret)
        return Resolver(GenesysReader(genesys.url, lambda: creds, **reader), ttl_seconds=ttl)

    return make


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def view_of(name: str) -> AuditView:
    return AuditView.of(event(name))


def alert_for(name: str, resolver: Resolver, budget: float = 1.5) -> Any:
    evt = event(name)
    view = AuditView.of(evt)
    payload = {"rule": "r", "severity": "CRITICAL", "title": "t", "event": evt}
    return build_alert(parse_input(payload), view, resolver.resolve(view, budget))


def test_acting_user_division_ids_and_a_deleted_entity_are_named(make_resolver: Make) -> None:
    names = make_resolver().resolve(view_of("05_user_division_move.json"), 1.5)
    assert names.status == "resolved" and names.note is None
    assert names.user_text(ACTOR_ID) == "Jane Doe <jane.doe@example.com> (Contact Center Admin, IT Security; active)"
    assert names.label("2c3d4e5f-9999-4c9c-8d8d-000000000009") == "Restricted - Finance"
    alert = alert_for("05_user_division_move.json", make_resolver())
    assert alert.subject == "CRITICAL: User [b2c3d4e5-2222-4b4b-9c9c-000000000002] Update by user [Jane Doe]"
    facts = dict(alert.facts)
    assert facts["Who"] == (
        f"user {ACTOR_ID}: Jane Doe <jane.doe@example.com> (Contact Center Admin, IT Security; active)"
    )
    assert facts["What"] == 'Update User (no name) id b2c3d4e5-2222-4b4b-9c9c-000000000002 (now named "Sam Agent")'
    assert alert.changes[0] == (
        "divisionId: 1b2c3d4e-8888-4b8b-9c9c-000000000008 (Home) -> "
        "2c3d4e5f-9999-4c9c-8d8d-000000000009 (Restricted - Finance)"
    )
    page = pagerduty_payload(alert, "key")["payload"]
    assert page["summary"] == alert.subject and page["custom_details"]["Who"] == facts["Who"]
    assert "(Restricted - Finance)" in page["custom_details"]["Property changes"][0]
    assert "Jane Doe" in alert.text()  # the SNS body
    deleted = alert_for("01_oauthclient_delete.json", make_resolver())
    assert dict(deleted.facts)["What"].endswith("(deleted in Genesys: the name is the audit's)")
    assert "Names" not in dict(deleted.facts)  # a 404 is an answer, not a failure


def test_an_oauth_client_actor_is_named_with_grant_and_roles(make_resolver: Make) -> None:
    alert = alert_for("07_automation_client_change.json", make_resolver())
    who = dict(alert.facts)["Who"]
    assert who == (
        "OAuth client d4e5f6a7-4444-4d4d-9e9e-000000000004: WFM Automation "
        "(grant client-credentials; roles Master Admin) (no user: client credentials)"
    )
    assert alert.subject.endswith("Update by client [WFM Automation]")


def test_role_membership_names_the_grantee_and_the_role(make_resolver: Make) -> None:
    view = view_of("04_role_member_add.json")
    assert ("user", "b2c3d4e5-2222-4b4b-9c9c-000000000002") in targets(view)
    names = make_resolver().resolve(view, 1.5)
    assert names.label("b2c3d4e5-2222-4b4b-9c9c-000000000002") == "Sam Agent"
    assert names.label("0a1b2c3d-7777-4a7a-8b8b-000000000007") == "Master Admin"


def test_a_slow_server_costs_the_budget_and_no_more(make_resolver: Make, genesys: FakeGenesys) -> None:
    genesys.directory_delay = 10.0
    start = time.monotonic()
    alert = alert_for("05_user_division_move.json", make_resolver(), budget=0.4)
    elapsed = time.monotonic() - start
    # the resolver gave up at its 0.4 s budget, not at the server's 10 s; the slack absorbs a loaded CI machine
    assert elapsed < 0.4 + 2.0, elapsed
    assert dict(alert.facts)["Names"] == "names unavailable: timed out; ids shown"
    assert alert.subject.endswith(f"by user [{ACTOR_ID}]")  # ids, as without enrichment


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("forbid", "HTTP 403 (missing permission)"),
        ("throttle", "HTTP 429 (throttled)"),
        ("server", "HTTP 503 (Genesys error)"),
        ("bad_secret", "login: HTTP 401 (login refused)"),
    ],
)
def test_refusals_leave_ids_and_say_why(make_resolver: Make, genesys: FakeGenesys, fault: str, reason: str) -> None:
    secret = "wrong" if fault == "bad_secret" else None
    genesys.forbid = fault == "forbid"
    genesys.rate_limit_next = 100 if fault == "throttle" else 0
    genesys.directory_status = 503 if fault == "server" else None
    resolver = make_resolver(**({"secret": secret} if secret else {}))
    start = time.monotonic()
    alert = alert_for("05_user_division_move.json", resolver, budget=10.0)
    assert time.monotonic() - start < 3.0  # a refusal is not waited out: far inside the 10 s budget
    assert dict(alert.facts)["Names"] == f"names unavailable: {reason}; ids shown"
    assert "(Home)" not in alert.changes[0]


def test_a_token_is_reused_renewed_before_expiry_and_refreshed_once_on_401(
    make_resolver: Make, genesys: FakeGenesys
) -> None:
    resolver = make_resolver(ttl=0)  # no lookup cache: every resolve reads again
    view = view_of("05_user_division_move.json")
    for _ in range(3):
        assert resolver.resolve(view, 1.5).status == "resolved"
    assert genesys.logins == 1  # one token for the container
    genesys.expire_tokens()  # revoked or expired mid-run: Genesys answers 401
    names = resolver.resolve(view, 1.5)
    assert names.status == "resolved", names.failures
    assert genesys.logins == 2  # refreshed once, shared by the concurrent lookups

    genesys.expires_in = 62  # renewed 60 s before it expires: here after 2 s (room for a loaded machine)
    short = make_resolver(ttl=0)
    short.resolve(view, 1.5)
    short.resolve(view, 1.5)
    assert genesys.logins == 3  # one login while the token is fresh
    time.sleep(2.1)
    assert short.resolve(view, 1.5).status == "resolved"
    assert genesys.logins == 4  # renewed before it expired, not after a 401


def test_answers_are_cached_per_container_with_a_ttl(make_resolver: Make, genesys: FakeGenesys) -> None:
    resolver = make_resolver(ttl=1.5)  # long enough that the second lookup falls inside it on a loaded machine
    view = view_of("05_user_division_move.json")
    resolver.resolve(view, 1.5)
    reads = len(genesys.directory_reads())
    assert reads == 4  # actor, entity, two divisions
    assert resolver.resolve(view, 1.5).status == "resolved"
    assert len(genesys.directory_reads()) == reads  # served from the cache
    time.sleep(1.6)
    resolver.resolve(view, 1.5)
    assert len(genesys.directory_reads()) == 2 * reads  # expired: read again


def test_hostile_ids_never_reach_a_url() -> None:
    evt = event("05_user_division_move.json")
    body = evt["detail"]["eventBody"]
    body["userId"] = "../../oauth/clients?x=1"
    body["propertyChanges"][0]["newValues"] = ["a/b", "%2e%2e", "ok-id-1"]
    assert targets(AuditView.of(evt)) == [
        ("user", "b2c3d4e5-2222-4b4b-9c9c-000000000002"),
        ("division", "1b2c3d4e-8888-4b8b-9c9c-000000000008"),
        ("division", "ok-id-1"),
    ]


def test_an_attacker_named_user_is_escaped_in_slack_and_teams(make_resolver: Make, genesys: FakeGenesys) -> None:
    genesys.directory[f"/api/v2/users/{ACTOR_ID}"] = {
        "id": ACTOR_ID,
        "name": "<!here> [click](https://evil.example) *urgent*",
        "email": "x@example.com <@U123>",
        "title": "token=abc123secret",
    }
    alert = alert_for("05_user_division_move.json", make_resolver())
    slack = slack_payload(alert)
    text = str(slack)
    assert "<!here>" not in text and "<@U123>" not in text and "&lt;!here&gt;" in text
    assert "abc123secret" not in text  # redacted like any field from the record
    teams = str(teams_payload(alert))
    assert "[click](https" not in teams and "\\\\[click\\\\]" in teams and "\\\\*urgent\\\\*" in teams
    assert len(alert.subject) <= SUBJECT_MAX and alert.subject.isascii()


def test_subject_stays_within_100_ascii_characters_shortening_names_first(
    make_resolver: Make, genesys: FakeGenesys
) -> None:
    genesys.directory[f"/api/v2/users/{ACTOR_ID}"] = {"id": ACTOR_ID, "name": "Zoë " + "Verylongname" * 10}
    alert = alert_for("01_oauthclient_delete.json", make_resolver())
    assert len(alert.subject) <= SUBJECT_MAX and alert.subject.isascii()
    assert alert.subject.startswith("CRITICAL: OAuthClient [Legacy Reporting Client] Delete by user [Zoe Verylong")
    assert alert.subject.endswith("...]")


def test_login_host_follows_the_region() -> None:
    assert login_base_url("https://api.mypurecloud.ie") == "https://login.mypurecloud.ie"
    assert login_base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
