"""Alert fan-out: one alert to three chat channels that each answer in 300 ms, against one such channel.

Run: .venv/bin/python bench/bench_alert_channels.py [--rounds N] [--delay-ms MS]   (prints ratios; nothing here
is asserted)
Target: three channels take at most 1.3x the time of one, because they are sent concurrently within one
deadline. For scale it also times the same three channels sent one after another (what a sequential loop
costs, about 3x). Real HTTP to loopback receivers that wait `--delay-ms` before answering; the three set-ups
run interleaved in each round so machine noise hits them alike; the median is reported.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT / "tools")]

from genesys_audit.alerting.channels import Channel, pagerduty_channel, slack_channel, teams_channel  # noqa: E402
from genesys_audit.alerting.message import AlertInput, build_alert  # noqa: E402
from genesys_audit.alerting.service import send_alert  # noqa: E402
from genesys_audit_tools.simulate.receivers import Receiver  # noqa: E402

EVENT = {
    "source": "aws.partner/genesys.com/cloud/7c1f2a9e-3b4d-4e8f-9a10-2b3c4d5e6f70/audit",
    "region": "eu-central-1",
    "detail": {
        "eventBody": {
            "id": "bench-audit-id",
            "entityType": "OAuthClient",
            "action": "Delete",
            "userId": "bench-user",
            "entity": {"id": "c1", "name": "Prod-API-Key"},
            "propertyChanges": [{"property": "name", "oldValues": ["a"], "newValues": ["b"]}],
        }
    },
}


def channels(base: str) -> list[Channel]:
    """Slack, Teams and PagerDuty pointed at the loopback receiver (secrets served from memory)."""
    return [
        slack_channel(lambda: f"{base}/slack/hook", 5),
        teams_channel(lambda: f"{base}/teams/hook", 5),
        pagerduty_channel(lambda: f'{{"routing_key": "k", "url": "{base}/pagerduty/enqueue"}}', 5),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--delay-ms", type=int, default=300)
    args = parser.parse_args()
    receiver = Receiver().start()
    delay = args.delay_ms / 1000
    for prefix in ("/slack", "/teams", "/pagerduty"):
        receiver.delay(prefix, delay)
    alert = build_alert(AlertInput(event=EVENT, rule="oauth-client-delete", severity="CRITICAL"))
    three = channels(receiver.base_url)

    def one_channel() -> None:
        send_alert(alert, three[:1], deadline=time.monotonic() + 25)

    def three_concurrent() -> None:
        send_alert(alert, three, deadline=time.monotonic() + 25)

    def three_sequential() -> None:
        for channel in three:
            send_alert(alert, [channel], deadline=time.monotonic() + 25)

    setups = {
        "one channel": one_channel,
        "three channels (concurrent, as shipped)": three_concurrent,
        "three channels one after another": three_sequential,
    }
    for run in setups.values():  # warm-up: connections, imports, the first thread pool
        run()
    samples: dict[str, list[float]] = {name: [] for name in setups}
    try:
        for _ in range(args.rounds):
            for name, run in setups.items():
                started = time.perf_counter()
                run()
                samples[name].append(time.perf_counter() - started)
    finally:
        receiver.stop()
    base = statistics.median(samples["one channel"])
    print(f"One alert, channels answering in {args.delay_ms} ms; median of {args.rounds} interleaved rounds")
    print(f"{'set-up':<42} {'ms':>8} {'x one':>7}  target <= 1.3x")
    for name, values in samples.items():
        median = statistics.median(values)
        verdict = ("ok" if median / base <= 1.3 else "OVER") if "as shipped" in name else ""
        print(f"{name:<42} {median * 1000:>8.1f} {median / base:>6.2f}x  {verdict}")


if __name__ == "__main__":
    main()
