"""Read the Genesys Cloud audit API with the official SDK (imported on first use).

- `POST /api/v2/audits/query/realtime` (the last 14 days): `pageNumber`/`pageSize` paging.
- `POST /api/v2/audits/query` + `GET .../{transactionId}` + `GET .../{transactionId}/results` (older
  ranges): an async query polled until it succeeds, then cursor paging.

Responses are read as the raw JSON the SDK received (`ApiClient.last_response`), not as SDK models: the
models map enum values they do not know to `outdated_sdk_version` and drop fields they do not know,
and audit enums grow with every Genesys release.

urllib3 (under the SDK) would otherwise sleep for any Retry-After on its own; it is told not to retry
statuses, so 429 and 5xx come back here and are retried with a bounded sleep.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from genesys_audit.backfill.credentials import ClientCredentials
from genesys_audit.backfill.errors import (
    AUDIT_SCOPE,
    GenesysApiError,
    GenesysAuthError,
    GenesysForbidden,
    GenesysRateLimited,
)
from genesys_audit.backfill.windows import Window

REALTIME = "realtime"
QUERY = "query"
MAX_PAGE_SIZE = 500
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_BODY_EXCERPT = 300


@dataclass(frozen=True)
class RateLimitPolicy:
    """How 429/5xx are retried: at most `max_attempts` calls, each wait capped at `max_sleep` seconds.

    A 429's Retry-After (seconds or an HTTP date) is honoured up to the cap; without it, and for 5xx,
    the wait doubles from `base_sleep`.
    """

    max_attempts: int = 8
    max_sleep: float = 60.0
    base_sleep: float = 1.0

    def wait(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to sleep before call number `attempt + 1` (attempt counts from 0)."""
        if retry_after is not None:
            return max(0.0, min(self.max_sleep, retry_after))
        return min(self.max_sleep, self.base_sleep * float(2 ** min(attempt, 20)))


@dataclass
class Page:
    """One page of REST `AuditLogMessage`s as plain JSON dicts."""

    entities: list[dict[str, Any]]
    api: str
    number: int
    total: int | None = None


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items:
        if str(key).lower() == name.lower():
            return str(value)
    return None


def retry_after_seconds(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


def _excerpt(body: Any) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    text = " ".join(text.split())
    if not text:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        msg = data.get("message") or data.get("error_description") or data.get("error")
        if isinstance(msg, str) and msg:
            return msg[:_BODY_EXCERPT]
    return text[:_BODY_EXCERPT]


def _realtime(api: Any, *, body: Any) -> Any:
    return api.post_audits_query_realtime(body, expand=["user"])


def _results(api: Any, *, tx: str, kwargs: dict[str, Any]) -> Any:
    return api.get_audits_query_transaction_id_results(tx, **kwargs)


class AuditApiReader:
    """The audit endpoints of one Genesys org, through the SDK, with bounded retries and clear errors."""

    def __init__(
        self,
        base_url: str,
        credentials: ClientCredentials,
        *,
        page_size: int = MAX_PAGE_SIZE,
        rate_limit: RateLimitPolicy | None = None,
        poll_interval: float = 2.0,
        max_poll_seconds: float = 900.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.page_size = page_size
        self.rate_limit = rate_limit or RateLimitPolicy()
        self.poll_interval = poll_interval
        self.max_poll_seconds = max_poll_seconds
        self.timeout = timeout
        self.sleep = sleep
        self.calls = 0
        self.rate_limited = 0
        self._client: Any = None
        self._api: Any = None
        self._sdk: Any = None

    # --- connection ---------------------------------------------------------------------------------

    def _connect(self) -> Any:
        if self._api is not None:
            return self._api
        import PureCloudPlatformClientV2 as sdk  # the SDK loads every model: only when the API is used
        import urllib3

        self._sdk = sdk
        client = sdk.ApiClient(host=self.base_url)
        pool = client.get_http_client().rest_client.pool_manager
        pool.connection_pool_kw["retries"] = urllib3.util.Retry(
            total=2, connect=2, read=0, other=0, status=0, redirect=False,
            respect_retry_after_header=False, raise_on_status=False,
        )
        pool.connection_pool_kw["timeout"] = urllib3.util.Timeout(connect=10.0, read=self.timeout)
        pool.clear()
        self._client = client
        self._login()
        self._api = sdk.AuditApi(client)
        return self._api

    def _login(self) -> None:
        creds = self.credentials
        login_url = self._client.get_conf_url("login", self.base_url) + "/oauth/token"
        try:
            self._with_retries(
                lambda: self._client.get_client_credentials_token(creds.client_id, creds.client_secret),
                f"POST {login_url}",
                login=True,
            )
        except (KeyError, ValueError) as exc:  # a 200 that is not a token (JSON or not): not a Genesys login host
            raise GenesysApiError(
                f"{login_url} answered 200 without an access_token; is the region or base URL right?"
            ) from exc

    # --- error handling -----------------------------------------------------------------------------

    def _with_retries(self, call: Callable[[], Any], what: str, *, login: bool = False) -> Any:
        from PureCloudPlatformClientV2.rest import ApiException

        relogged = False
        attempt = 0
        while True:
            self.calls += 1
            try:
                return call()
            except ApiException as exc:
                status = int(exc.status or 0)
                detail = _excerpt(exc.body)
                if status == 401 and not login and not relogged:
                    relogged = True  # the token may have expired during a long run: log in again once
                    self._login()
                    continue
                if status == 401:
                    raise GenesysAuthError(
                        f"Genesys refused the OAuth client credentials (HTTP 401 on {what}"
                        f"{': ' + detail if detail else ''}). Check GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET (or the "
                        "secret's client_id/client_secret), that the client uses the Client Credentials grant, and "
                        f"that it belongs to the org in this region ({self.base_url})."
                    ) from None
                if status == 403:
                    raise GenesysForbidden(
                        f"Genesys denied {what} (HTTP 403{': ' + detail if detail else ''}): the OAuth client's "
                        f"role lacks the permission {AUDIT_SCOPE}. Grant the client a role with Audits > Audit > "
                        "View in the divisions to backfill, then retry."
                    ) from None
                if status in RETRYABLE_STATUSES or status == 0:
                    if status == 429:
                        self.rate_limited += 1
                    attempt += 1
                    if attempt >= self.rate_limit.max_attempts:
                        kind = GenesysRateLimited if status == 429 else GenesysApiError
                        raise kind(
                            f"{what}: HTTP {status} after {attempt} attempts"
                            f"{': ' + detail if detail else ''}; retry later"
                        ) from None
                    wait = self.rate_limit.wait(attempt - 1, retry_after_seconds(_header(exc.headers, "Retry-After")))
                    self.sleep(wait)
                    continue
                raise GenesysApiError(f"{what}: HTTP {status}{': ' + detail if detail else ''}") from None
            except OSError as exc:
                raise GenesysApiError(f"{what}: cannot reach Genesys at {self.base_url}: {exc}") from exc
            except Exception as exc:
                if type(exc).__module__.startswith("urllib3"):
                    raise GenesysApiError(f"{what}: cannot reach Genesys at {self.base_url}: {exc}") from exc
                raise

    def _json(self, call: Callable[[Any], Any], what: str) -> dict[str, Any]:
        api = self._connect()
        self._with_retries(lambda: call(api), what)
        raw = self._client.last_response.data
        try:
            data = json.loads(raw) if raw else {}
        except ValueError as exc:
            raise GenesysApiError(f"{what}: response is not JSON: {_excerpt(raw)}") from exc
        if not isinstance(data, dict):
            raise GenesysApiError(f"{what}: expected a JSON object, got {type(data).__name__}")
        return data

    # --- endpoints ----------------------------------------------------------------------------------

    def services(self, api: str = REALTIME) -> list[str]:
        """Service names from the service mapping (`realtime` or `query`)."""
        if api == REALTIME:
            data = self._json(lambda a: a.get_audits_query_realtime_servicemapping(),
                              "GET /api/v2/audits/query/realtime/servicemapping")
        else:
            data = self._json(lambda a: a.get_audits_query_servicemapping(), "GET /api/v2/audits/query/servicemapping")
        names = [s.get("name") for s in data.get("services") or [] if isinstance(s, dict)]
        return sorted({n for n in names if isinstance(n, str) and n})

    def _sort(self) -> list[Any]:
        sort = self._sdk.AuditQuerySort()
        sort.name = "Timestamp"
        sort.sort_order = "ascending"
        return [sort]

    def realtime_pages(self, window: Window, service: str) -> Iterator[Page]:
        """Pages of `POST /api/v2/audits/query/realtime?expand=user`, oldest first."""
        self._connect()
        number = 1
        while True:
            body = self._sdk.AuditRealtimeQueryRequest()
            body.interval = window.interval
            body.service_name = service
            body.sort = self._sort()
            body.page_number = number
            body.page_size = self.page_size
            data = self._json(partial(_realtime, body=body),
                              f"POST /api/v2/audits/query/realtime ({service} {window.interval} page {number})")
            entities = [e for e in data.get("entities") or [] if isinstance(e, dict)]
            total = data.get("total")
            yield Page(entities, REALTIME, number, total if isinstance(total, int) else None)
            page_count = data.get("pageCount")
            if not entities:
                return
            if isinstance(page_count, int) and number >= page_count:
                return
            if not isinstance(page_count, int) and len(entities) < self.page_size:
                return
            number += 1

    def query_pages(self, window: Window, service: str) -> Iterator[Page]:
        """Pages of an async `POST /api/v2/audits/query`, polled until it succeeds, then cursor-paged."""
        self._connect()
        body = self._sdk.AuditQueryRequest()
        body.interval = window.interval
        body.service_name = service
        body.sort = self._sort()
        status = self._json(lambda a: a.post_audits_query(body),
                            f"POST /api/v2/audits/query ({service} {window.interval})")
        tx = status.get("id")
        if not isinstance(tx, str) or not tx:
            raise GenesysApiError(f"POST /api/v2/audits/query ({service}) returned no transaction id")
        waited = 0.0
        while (state := str(status.get("state") or "")).lower() != "succeeded":
            if state.lower() in ("failed", "cancelled"):
                raise GenesysApiError(f"audit query {tx} ({service} {window.interval}) ended {state}; run again")
            if waited >= self.max_poll_seconds:
                raise GenesysApiError(f"audit query {tx} ({service}) still {state} after {waited:.0f} s; run again")
            self.sleep(self.poll_interval)
            waited += self.poll_interval
            status = self._json(lambda a: a.get_audits_query_transaction_id(tx), f"GET /api/v2/audits/query/{tx}")
        cursor: str | None = None
        number = 1
        while True:
            kwargs: dict[str, Any] = {"page_size": self.page_size, "expand": ["user"]}
            if cursor:
                kwargs["cursor"] = cursor
            data = self._json(partial(_results, tx=tx, kwargs=kwargs),
                              f"GET /api/v2/audits/query/{tx}/results (page {number})")
            entities = [e for e in data.get("entities") or [] if isinstance(e, dict)]
            yield Page(entities, QUERY, number)
            next_cursor = data.get("cursor")
            if not isinstance(next_cursor, str) or not next_cursor or next_cursor == cursor:
                return
            cursor = next_cursor
            number += 1

    def pages(self, window: Window, service: str, api: str) -> Iterator[Page]:
        """Pages from the realtime or the async endpoint."""
        return self.realtime_pages(window, service) if api == REALTIME else self.query_pages(window, service)


def choose_api(window: Window, mode: str, *, now: datetime | None = None, realtime_days: float = 14.0) -> str:
    """`realtime` for windows inside the realtime endpoint's 14 days (with an hour's margin), else `query`."""
    if mode in (REALTIME, QUERY):
        return mode
    now = now or datetime.now(UTC)
    age_days = (now - window.start).total_seconds() / 86_400
    return REALTIME if age_days <= realtime_days - 1 / 24 else QUERY

