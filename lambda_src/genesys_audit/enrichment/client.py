"""A small Genesys Cloud API reader for name lookups: client-credentials login and JSON GETs on `http.client`.

Not the official SDK: importing `PureCloudPlatformClientV2` loads every model, which would make the alert
function's cold start several times `import boto3`; these few GETs need a token and JSON only. Redirects are
never followed (`http.client` does not), every socket timeout is the time left before the caller's deadline,
and nothing is retried except one new login after a 401 (the token expired or was revoked).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from genesys_audit.backfill.credentials import ClientCredentials

TOKEN_EXPIRY_SKEW_SECONDS = 60  # a cached token is replaced this long before Genesys says it expires
MIN_REQUEST_SECONDS = 0.02  # below this a request cannot complete: report the budget as spent instead
RESPONSE_MAX_BYTES = 1_000_000


class LookupFailed(Exception):
    """A lookup gave no answer; `reason` is short and safe to show ("timed out", "HTTP 429 (throttled)")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(Exception):
    """404: the object was deleted (or never existed in this org)."""


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float  # `clock()` instant after which a new login is made


def login_base_url(api_base_url: str) -> str:
    """`https://login.<domain>` for `https://api.<domain>`; any other base (a test server) logs in on itself."""
    parts = urlsplit(api_base_url)
    host = parts.hostname or ""
    if host.startswith("api."):
        return f"{parts.scheme}://login.{host[4:]}" + (f":{parts.port}" if parts.port else "")
    return api_base_url.rstrip("/")


def _describe_status(status: int) -> str:
    known = {401: "login refused", 403: "missing permission", 429: "throttled"}
    if status in known:
        return f"HTTP {status} ({known[status]})"
    return f"HTTP {status} (Genesys error)" if status >= 500 else f"HTTP {status}"


class GenesysReader:
    """GETs against one Genesys region with a client-credentials token; thread-safe, one per container."""

    def __init__(
        self,
        api_base_url: str,
        credentials: Callable[[], ClientCredentials],
        *,
        clock: Callable[[], float] = time.monotonic,
        expiry_skew_seconds: float = TOKEN_EXPIRY_SKEW_SECONDS,
    ) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self.login_base_url = login_base_url(self.api_base_url)
        self._credentials = credentials
        self._clock = clock
        self._skew = expiry_skew_seconds
        self._lock = threading.Lock()
        self._token: _Token | None = None
        self.logins = 0

    def _request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, deadline: float
    ) -> tuple[int, bytes]:
        import http.client

        left = deadline - self._clock()
        if left < MIN_REQUEST_SECONDS:
            raise LookupFailed("timed out")
        parts = urlsplit(url)
        factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = factory(parts.hostname or "", parts.port, timeout=left)
        try:
            conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read(RESPONSE_MAX_BYTES)
        except TimeoutError:
            raise LookupFailed("timed out") from None
        except (OSError, http.client.HTTPException) as exc:
            raise LookupFailed(f"cannot reach Genesys ({type(exc).__name__})") from None
        finally:
            conn.close()

    def _login(self, deadline: float) -> _Token:
        try:
            creds = self._credentials()
        except Exception as exc:  # the secret is unreadable or malformed: names unavailable, alert still sent
            raise LookupFailed(f"credentials unavailable ({type(exc).__name__})") from None
        basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
        headers = {
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        body = urlencode({"grant_type": "client_credentials"}).encode()
        status, raw = self._request("POST", self.login_base_url + "/oauth/token", headers, body, deadline)
        if status != 200:
            raise LookupFailed(f"login: {_describe_status(status)}")
        try:
            data = json.loads(raw)
            value = data["access_token"]
            lifetime = float(data.get("expires_in") or 0)
        except (ValueError, KeyError, TypeError):
            raise LookupFailed("login: answer without an access_token (is the region right?)") from None
        if not isinstance(value, str) or not value:
            raise LookupFailed("login: answer without an access_token (is the region right?)")
        self.logins += 1
        return _Token(value, self._clock() + max(0.0, lifetime - self._skew))

    def token(self, deadline: float, *, refused: str | None = None) -> str:
        """The cached token, or a new one when it is due for renewal or is `refused` (a 401 answered it)."""
        if not self._lock.acquire(timeout=max(0.0, deadline - self._clock())):
            raise LookupFailed("timed out")
        try:
            current = self._token
            if current is not None and refused is not None and current.value != refused:
                return current.value  # another thread already logged in again
            if current is not None and refused is None and self._clock() < current.renew_at:
                return current.value
            self._token = self._login(deadline)
            return self._token.value
        finally:
            self._lock.release()

    def get(self, path: str, deadline: float) -> dict[str, Any]:
        """GET `path` as JSON; NotFound on 404, LookupFailed on anything else but 200 (one new login on 401)."""
        token = self.token(deadline)
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            status, raw = self._request("GET", self.api_base_url + path, headers, None, deadline)
            if status == 401 and attempt == 1:
                token = self.token(deadline, refused=token)
                continue
            break
        if status == 404:
            raise NotFound(path)
        if status != 200:
            raise LookupFailed(_describe_status(status))
        try:
            data = json.loads(raw)
        except ValueError:
            raise LookupFailed("answer is not JSON") from None
        if not isinstance(data, dict):
            raise LookupFailed("answer is not a JSON object")
        return data
