"""Where alerts go: the SNS topic, and optionally Slack, Microsoft Teams and PagerDuty over HTTPS.

Each channel is a name and a `send(alert, deadline) -> detail` callable that raises ChannelError on failure;
`deadline` is a `time.monotonic()` instant no HTTP attempt, retry or back-off may pass. Webhook URLs and the
PagerDuty routing key come from Secrets Manager; the secret is read on first use and cached. Redirects are
never followed: a 3xx is a failure (a redirected POST would be re-sent as a GET without the alert).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from genesys_audit.alerting.message import Alert, pagerduty_payload, slack_payload, sns_attributes, teams_payload

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
MIN_ATTEMPT_SECONDS = 0.05  # below this an attempt cannot complete: report the deadline instead
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_RETRYABLE = {429, 500, 502, 503, 504}


class ChannelError(RuntimeError):
    """A channel did not take the alert; the message says why (never the URL or key)."""


@dataclass(frozen=True)
class Channel:
    """One destination: `send(alert, deadline)` returns what the service said, or raises ChannelError."""

    name: str
    send: Callable[[Alert, float], str]


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Turn every 3xx into an HTTPError instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def check_url(url: str, what: str) -> str:
    """HTTPS only (plain HTTP is allowed to a loopback address, for local receivers)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname:
        return url
    if parsed.scheme == "http" and parsed.hostname in _LOOPBACK:
        return url
    raise ChannelError(f"{what} must be an https:// URL; check the secret's 'url' value")


def _secret_fields(raw: str, *, keys: tuple[str, ...], what: str) -> dict[str, str]:
    """A JSON object with one of `keys` (plus optional `url`), or the bare value as the first key."""
    text = raw.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise ChannelError(f"{what} secret is not valid JSON") from None
        if not isinstance(data, dict):
            raise ChannelError(f"{what} secret must be a JSON object")
        fields = {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}
        for key in keys:
            if key in fields:
                return {"value": fields[key], **({"url": fields["url"]} if "url" in fields else {})}
        raise ChannelError(f"{what} secret has none of the keys {', '.join(keys)}")
    if not text:
        raise ChannelError(f"{what} secret is empty")
    return {"value": text}


def webhook_url(raw: str, what: str) -> str:
    """Slack/Teams secret: `{"url": "https://..."}` (or `webhook_url`), or the URL itself."""
    return check_url(_secret_fields(raw, keys=("url", "webhook_url"), what=what)["value"], f"{what} webhook URL")


def pagerduty_target(raw: str, default_url: str = PAGERDUTY_EVENTS_URL) -> tuple[str, str]:
    """PagerDuty secret: `{"routing_key": ..., "url"?: ...}` (or `integration_key`), or the key itself."""
    fields = _secret_fields(raw, keys=("routing_key", "integration_key"), what="PagerDuty")
    return fields["value"], check_url(fields.get("url", default_url), "PagerDuty events URL")


def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    timeout: float,
    deadline: float | None = None,
    attempts: int = 2,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """POST JSON; retry throttling, 5xx and network errors (honouring a short Retry-After); return the status.

    Each attempt's socket timeout is the smaller of `timeout` and the time left before `deadline`; no retry
    starts (and no back-off sleeps) past it. A redirect is refused, not followed.
    """
    data = json.dumps(payload).encode("utf-8")
    problem = "not attempted"
    for attempt in range(1, attempts + 1):
        left = timeout if deadline is None else min(timeout, deadline - time.monotonic())
        if left < MIN_ATTEMPT_SECONDS:
            raise ChannelError(f"out of time before the alert deadline after {attempt - 1} attempt(s): {problem}")
        request = urllib.request.Request(  # noqa: S310 - check_url allowed https (or loopback http) only
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        retry_after = 0.0
        try:
            with _OPENER.open(request, timeout=left) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
            if 300 <= exc.code < 400:
                raise ChannelError(
                    f"answered with a redirect ({problem}), which is not followed; put the final URL in the secret"
                ) from None
            if exc.code not in _RETRYABLE:
                raise ChannelError(f"rejected with {problem}") from None
            retry_after = _retry_after(exc.headers.get("Retry-After"))
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = f"unreachable ({type(reason).__name__})"
        if attempt < attempts:
            pause = min(max(retry_after, 0.2 * attempt), 2.0)
            if deadline is not None and time.monotonic() + pause + MIN_ATTEMPT_SECONDS > deadline:
                raise ChannelError(f"out of time before the alert deadline after {attempt} attempt(s): {problem}")
            sleep(pause)
    raise ChannelError(f"failed after {attempts} attempts: {problem}")


def _retry_after(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def sns_channel(client_factory: Callable[[], Any], topic_arn: str) -> Channel:
    """Publish subject, plain-text body and filterable attributes to the alert topic."""

    def send(alert: Alert, deadline: float) -> str:
        try:
            response = client_factory().publish(
                TopicArn=topic_arn,
                Subject=alert.subject,
                Message=alert.text(),
                MessageAttributes=sns_attributes(alert),
            )
        except Exception as exc:  # botocore errors: the message names the API error, never credentials
            raise ChannelError(f"SNS publish failed: {type(exc).__name__}: {exc}") from None
        return f"message {response.get('MessageId', '?')}"

    return Channel("sns", send)


def http_channel(
    name: str, secret: Callable[[], str], build: Callable[[Alert, str], tuple[str, dict[str, Any]]], timeout: float
) -> Channel:
    """A webhook channel: read the secret (cached), build `(url, payload)`, POST it."""

    def send(alert: Alert, deadline: float) -> str:
        try:
            raw = secret()
        except Exception as exc:
            raise ChannelError(f"cannot read the {name} secret: {type(exc).__name__}") from None
        url, payload = build(alert, raw)
        return f"HTTP {post_json(url, payload, timeout=timeout, deadline=deadline)}"

    return Channel(name, send)


def slack_channel(secret: Callable[[], str], timeout: float) -> Channel:
    """Slack incoming webhook."""
    return http_channel("slack", secret, lambda alert, raw: (webhook_url(raw, "Slack"), slack_payload(alert)), timeout)


def teams_channel(secret: Callable[[], str], timeout: float) -> Channel:
    """Microsoft Teams workflow (Power Automate) webhook."""
    return http_channel("teams", secret, lambda alert, raw: (webhook_url(raw, "Teams"), teams_payload(alert)), timeout)


def pagerduty_channel(secret: Callable[[], str], timeout: float, default_url: str = PAGERDUTY_EVENTS_URL) -> Channel:
    """PagerDuty Events API v2."""

    def build(alert: Alert, raw: str) -> tuple[str, dict[str, Any]]:
        key, url = pagerduty_target(raw, default_url)
        return url, pagerduty_payload(alert, key)

    return http_channel("pagerduty", secret, build, timeout)
