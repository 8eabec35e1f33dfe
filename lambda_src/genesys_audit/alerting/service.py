"""Send one alert to every configured channel; fail only when no channel took it."""

from __future__ import annotations

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


def send_alert(alert: Alert, channels: Sequence[Channel]) -> list[Delivery]:
    """Try every channel (a failing one does not stop the others); raise NoChannelDelivered if none worked."""
    deliveries: list[Delivery] = []
    for channel in channels:
        try:
            deliveries.append(Delivery(channel.name, True, channel.send(alert)))
        except Exception as exc:  # ChannelError, or a bug in one channel: the others still go out
            deliveries.append(Delivery(channel.name, False, str(exc) or type(exc).__name__))
    if not any(d.ok for d in deliveries):
        raise NoChannelDelivered(
            "no alert channel accepted the alert; it will be retried",
            details={d.channel: d.detail for d in deliveries},
        )
    return deliveries
