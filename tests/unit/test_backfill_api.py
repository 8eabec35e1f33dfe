"""The audit API reader through the real SDK against the fake Genesys server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fake_genesys import CLIENT_ID, CLIENT_SECRET, NOW, FakeGenesys, hours_of_records

from genesys_audit.backfill.api import QUERY, REALTIME, AuditApiReader, RateLimitPolicy, choose_api, retry_after_seconds
from genesys_audit.backfill.credentials import ClientCredentials
from genesys_audit.backfill.errors import GenesysAuthError, GenesysForbidden, GenesysRateLimited
from genesys_audit.backfill.windows import Window

START = NOW - timedelta(hours=3)


def reader(fake: FakeGenesys, *, secret: str = CLIENT_SECRET, sleeps: list[float] | None = None,
           page_size: int = 10, attempts: int = 4) -> AuditApiReader:
    log = sleeps if sleeps is not None else []
    return AuditApiReader(fake.url, ClientCredentials(CLIENT_ID, secret), page_size=page_size,
                          rate_limit=RateLimitPolicy(max_attempts=attempts, max_sleep=5), poll_interval=0,
                          sleep=log.append)


def test_realtime_pages_across_several_pages(genesys: FakeGenesys) -> None:
    genesys.records = hours_of_records(START, 1, 25)
    window = Window(START, START + timedelta(hours=1))
    pages = list(reader(genesys).pages(window, "PeoplePermissions", REALTIME))
    assert [len(p.entities) for p in pages] == [10, 10, 5]
    assert [p.number for p in pages] == [1, 2, 3]
    expected = genesys.matching(window.interval, "PeoplePermissions")  # oldest first
    assert [e["id"] for p in pages for e in p.entities] == [r["id"] for r in expected]
    assert pages[0].entities[0] == expected[0]  # raw JSON, every REST field kept
    assert genesys.logins == 1


def test_async_query_polls_then_pages_by_cursor(genesys: FakeGenesys) -> None:
    genesys.records = hours_of_records(START, 1, 23)
    genesys.status_polls = 2
    sleeps: list[float] = []
    window = Window(START, START + timedelta(hours=1))
    pages = list(reader(genesys, sleeps=sleeps).pages(window, "PeoplePermissions", QUERY))
    assert [len(p.entities) for p in pages] == [10, 10, 3]
    expected = genesys.matching(window.interval, "PeoplePermissions")
    assert [e["id"] for p in pages for e in p.entities] == [r["id"] for r in expected]
    assert sleeps == [0, 0, 0]  # after "Queued", then after two "Running"
    assert [r for r in genesys.requests if r[0] == "POST" and r[1] == "/api/v2/audits/query"]


def test_429_with_retry_after_sleeps_then_retries(genesys: FakeGenesys) -> None:
    genesys.records = hours_of_records(START, 1, 5)
    genesys.rate_limit_next = 2
    genesys.retry_after = "1"
    sleeps: list[float] = []
    r = reader(genesys, sleeps=sleeps)
    pages = list(r.pages(Window(START, START + timedelta(hours=1)), "PeoplePermissions", REALTIME))
    assert sum(len(p.entities) for p in pages) == 5
    assert sleeps == [1.0, 1.0]
    assert r.rate_limited == 2


def test_429_is_bounded(genesys: FakeGenesys) -> None:
    genesys.rate_limit_next = 100
    genesys.retry_after = "3600"  # capped at max_sleep
    sleeps: list[float] = []
    with pytest.raises(GenesysRateLimited, match="HTTP 429 after 4 attempts"):
        list(reader(genesys, sleeps=sleeps).pages(Window(START, NOW), "PeoplePermissions", REALTIME))
    assert sleeps == [5, 5, 5]


def test_401_names_the_credentials(genesys: FakeGenesys) -> None:
    with pytest.raises(GenesysAuthError) as info:
        reader(genesys, secret="wrong").services()
    message = str(info.value)
    assert "HTTP 401" in message and "GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET" in message
    assert "/oauth/token" in message
    assert "wrong" not in message  # the secret never appears


def test_403_names_the_missing_permission(genesys: FakeGenesys) -> None:
    genesys.forbid = True
    with pytest.raises(GenesysForbidden, match=r"HTTP 403.*audits:audit:view"):
        list(reader(genesys).pages(Window(START, NOW), "PeoplePermissions", REALTIME))


def test_unreachable_host_is_a_clear_error() -> None:
    from genesys_audit.backfill.errors import GenesysApiError

    r = AuditApiReader("http://127.0.0.1:9", ClientCredentials("a", "b"), timeout=1)
    with pytest.raises(GenesysApiError, match=r"cannot reach Genesys at http://127\.0\.0\.1:9"):
        r.services()


def test_retry_after_forms() -> None:
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412470.0) == 10.0


def test_choose_api_by_age() -> None:
    recent = Window(NOW - timedelta(days=2), NOW - timedelta(days=2) + timedelta(hours=1))
    old = Window(NOW - timedelta(days=20), NOW - timedelta(days=20) + timedelta(hours=1))
    assert choose_api(recent, "auto", now=NOW) == REALTIME
    assert choose_api(old, "auto", now=NOW) == QUERY
    assert choose_api(old, REALTIME, now=NOW) == REALTIME


def test_a_base_url_that_is_not_genesys(genesys: FakeGenesys) -> None:
    from genesys_audit.backfill.errors import GenesysApiError

    genesys.token_page = "<html>proxy login</html>"
    with pytest.raises(GenesysApiError, match="answered 200 without an access_token; is the region or base URL"):
        reader(genesys).services()
