"""Send one alert to every configured channel at once, within one deadline; fail only when no channel took it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from genesys_audit.alerting.channels import (
    Channel,
    pagerduty_channel,
    slack_channel,
    sns_channel,
    teams_channel,
)
from genesys_audit.alerting.message import Alert
from genesys_audit.alerting.settings import AlertSettings
from genesys_audit.errors import UpstreamFailure


@dataclass(frozen=True)
class Delivery:
    """What one channel did with the alert."""

    channel: str
    ok: bool
    detail: str


class NoChannelDelivered(UpstreamFailure):
    """Every channel failed: the invocation fails so EventBridge/Lambda retry it, then dead-letter it."""


def channels_for(
    settings: AlertSettings, sns_client: Callable[[], Any], read_secret: Callable[[str], str]
) -> list[Channel]:
    """SNS always; Slack, Teams and PagerDuty when their secret is configured."""
    timeout = settings.http_timeout_seconds

    def secret(secret_id: str) -> Callable[[], str]:
        return lambda: read_secret(secret_id)

    channels = [sns_channel(sns_client, settings.topic_arn)]
    if settings.slack_secret_id:
        channels.append(slack_channel(secret(settings.slack_secret_id), timeout))
    if settings.teams_secret_id:
        channels.append(teams_channel(secret(settings.teams_secret_id), timeout))
    if settings.pagerduty_secret_id:
        channels.append(pagerduty_channel(secret(settings.pagerduty_secret_id), timeout, settings.pagerduty_events_url))
    return channels


def send_alert(alert: Alert, channels: Sequence[Channel], *, deadline: float) -> list[Delivery]:
    """Send to every channel concurrently and wait until `deadline` (a `time.monotonic()` instant) at most.

    A slow or failing channel delays and stops none of the others; one still running at the deadline is
    reported as failed and abandoned (its thread ends with its own socket timeout, bounded by the deadline
    too). Raise NoChannelDelivered if no channel took the alert.
    """
    from concurrent.futures import ThreadPoolExecutor, wait

    budget = max(0.0, deadline - time.monotonic())
    pool = ThreadPoolExecutor(max_workers=max(1, len(channels)), thread_name_prefix="alert-channel")
    try:
        futures = [(channel, pool.submit(channel.send, alert, deadline)) for channel in channels]
        wait([future for _, future in futures], timeout=budget)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    deliveries: list[Delivery] = []
    for channel, future in futures:
        if not future.done() or future.cancelled():
            deliveries.append(Delivery(channel.name, False, f"no answer within the alert deadline ({budget:.1f} s)"))
        elif (exc := future.exception()) is not None:  # ChannelError, or a bug in one channel: others still go out
            deliveries.append(Delivery(channel.name, False, str(exc) or type(exc).__name__))
        else:
            deliveries.append(Delivery(channel.name, True, future.result()))
    if not any(d.ok for d in deliveries):
        raise NoChannelDelivered(
            "no alert channel accepted the alert; it will be retried",
            details={d.channel: d.detail for d in deliveries},
        )
    return deliveries
