"""`genesys-audit backfill` and `genesys-audit gaps`: thin CLI wrappers over `genesys_audit.backfill`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from genesys_audit.audit import AUDIT_DETAIL_TYPE

EXIT_HOLES = 1
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class ProgressBar:
    """A one-line bar on a terminal (redrawn at most 10 times a second); one line per window otherwise."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self.last = 0.0
        self.shown_windows = -1

    def __call__(self, p: Any) -> None:
        """Draw a `genesys_audit.backfill.run.Progress`."""
        total = max(1, p.windows_total)
        where = p.window.interval.split("/")[0] if p.window is not None else ""
        text = f"{p.windows_done}/{p.windows_total} windows  read {p.read:,}  put {p.put:,}  {where} {p.service or ''}"
        if self.tty:
            now = time.monotonic()
            if now - self.last < 0.1 and p.windows_done < p.windows_total:
                return
            self.last = now
            filled = int(self.width * p.windows_done / total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {text.rstrip()}\x1b[K")
        elif p.windows_done != self.shown_windows:
            self.shown_windows = p.windows_done
            self.stream.write(text.rstrip() + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _services(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out.extend(s.strip() for s in value.split(",") if s.strip())
    return tuple(dict.fromkeys(out))


def _reader(args: argparse.Namespace) -> Any:
    from genesys_audit.backfill.api import AuditApiReader
    from genesys_audit.backfill.credentials import ClientCredentials
    from genesys_audit.backfill.regions import api_base_url

    base = api_base_url(args.region, args.api_base_url)
    if args.credentials_secret:
        creds = ClientCredentials.from_secrets_manager(args.credentials_secret)
    else:
        creds = ClientCredentials.from_env()
    return AuditApiReader(base, creds, page_size=args.page_size)


def _aws_client(service: str, region: str | None) -> Any:
    import boto3
    import botocore.config

    # PutEvents: ingestion.putevents retries failed entries itself, so botocore does not retry on top of it.
    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1 if service == "events"
                                             else 5})
    return boto3.client(service, region_name=region, config=config)


def _range(args: argparse.Namespace) -> tuple[datetime, datetime]:
    from genesys_audit.backfill.windows import check_range, parse_time

    since = parse_time(args.since, "--since")
    until = parse_time(args.until, "--until") if args.until else None
    return check_range(since, until)


def _fail(command: str, exc: object) -> int:
    sys.stderr.write(f"genesys-audit {command}: {exc}\n")
    return EXIT_ERROR


def _cmd_backfill(args: argparse.Namespace) -> int:
    from genesys_audit.backfill.checkpoint import FileCheckpoint
    from genesys_audit.backfill.run import BackfillOptions, run_backfill, trail_presence
    from genesys_audit.errors import GenesysAuditError

    bar = ProgressBar(sys.stderr)
    try:
        since, until = _range(args)
        if args.window_minutes < 1:
            raise ValueError(f"--window-minutes must be at least 1, got {args.window_minutes}")
        options = BackfillOptions(
            since=since, until=until, bus_name=args.bus, services=_services(args.service_name),
            window=timedelta(minutes=args.window_minutes), mode=args.mode, source=args.source,
            detail_type=args.detail_type, flatten_property_changes=args.flatten_property_changes,
            dry_run=args.dry_run, sample_size=args.sample,
        )
        reader = _reader(args)
        store = FileCheckpoint(Path(args.checkpoint)) if args.checkpoint else None
        events = None if args.dry_run else _aws_client("events", args.aws_region)
        present = trail_presence(_aws_client("logs", args.aws_region), args.skip_present_in) if (
            args.skip_present_in) else None
        report = run_backfill(reader, events, options, store, where=str(args.checkpoint or ""), progress=bar,
                              present=present)
    except KeyboardInterrupt:
        bar.close()
        hint = f" with --checkpoint {args.checkpoint}" if args.checkpoint else " (no --checkpoint: from the start)"
        sys.stderr.write(f"genesys-audit backfill: interrupted; run the same command again{hint} to resume\n")
        return EXIT_INTERRUPTED
    except (GenesysAuditError, ValueError) as exc:
        bar.close()
        hint = f" The checkpoint {args.checkpoint} keeps what was put: run again to resume." if (
            args.checkpoint and not isinstance(exc, ValueError)) else ""
        return _fail("backfill", f"{exc}{hint}")
    bar.close()
    if args.dry_run:
        sys.stdout.write(
            f"dry run: would put {report.put:,} audit records ({report.read:,} read) from "
            f"{report.windows_done} windows of {', '.join(report.services) or 'no services'} onto {args.bus} "
            f"(source {options.source}, detail-type {options.detail_type}); nothing was put.\n"
        )
        for detail in report.sample:
            entry = {"Source": options.source, "DetailType": options.detail_type, "Detail": detail}
            sys.stdout.write(json.dumps(entry, indent=1, ensure_ascii=False) + "\n")
        return 0
    sys.stdout.write(
        f"backfill {report.run_id}: put {report.put:,} audit records ({report.read:,} read, "
        f"{report.duplicates_skipped:,} already put, {report.present_skipped:,} already in the trail) in "
        f"{report.put_calls:,} PutEvents calls onto {args.bus}; "
        f"{report.windows_done} windows done, {report.windows_skipped} skipped (checkpoint), "
        f"{report.api_calls:,} API calls, {report.rate_limited} rate-limited.\n"
    )
    return 0


def _cmd_gaps(args: argparse.Namespace) -> int:
    from genesys_audit.backfill.gaps import MISSING_SHOWN, detect_gaps
    from genesys_audit.backfill.windows import iso
    from genesys_audit.errors import GenesysAuditError

    try:
        since, until = _range(args)
        reader = _reader(args)
        logs = _aws_client("logs", args.aws_region)
        excluded = [] if args.include_all else (args.exclude_entity_type or ["UserPresence"])
        report = detect_gaps(reader, logs, args.log_group, since, until, services=_services(args.service_name),
                             mode=args.mode, exclude_entity_types=excluded)
    except (GenesysAuditError, ValueError) as exc:
        return _fail("gaps", exc)
    except Exception as exc:  # AWS errors (missing log group, credentials) read well enough as they are
        if type(exc).__module__.startswith("botocore"):
            return _fail("gaps", exc)
        raise
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_dict(), indent=1) + "\n")
    else:
        out = sys.stdout
        out.write(f"{'hour (UTC)':<22}{'api':>8}{'trail':>8}{'missing':>9}\n")
        for h in report.hours:
            if h.api or h.trail or args.all_hours:
                mark = "  <- hole" if h.has_hole else ""
                out.write(f"{iso(h.hour):<22}{h.api:>8}{h.trail:>8}{len(h.missing):>9}{mark}\n")
        for h in report.holes:
            shown = ", ".join(h.missing[:MISSING_SHOWN])
            more = f" ... and {len(h.missing) - MISSING_SHOWN} more" if len(h.missing) > MISSING_SHOWN else ""
            out.write(f"missing in {iso(h.hour)}: {shown}{more}\n")
        out.write(
            f"{len(report.holes)} of {len(report.hours)} hours have holes: {report.missing_total} audits in the API "
            f"are not in {args.log_group} ({report.api_total} in the API, {report.trail_total} in the trail, "
            f"{report.excluded} of excluded entity types).\n"
        )
        if report.holes:
            out.write(f"Backfill them: genesys-audit backfill --since {iso(report.holes[0].hour)} --until "
                      f"{iso(report.holes[-1].hour + timedelta(hours=1))} --bus <bus> ...\n")
    return EXIT_HOLES if report.holes else 0


def _common(parser: argparse.ArgumentParser) -> None:
    from genesys_audit.backfill.regions import valid_regions_text

    parser.add_argument("--since", required=True, help="start, ISO-8601 (e.g. 2026-11-20T00:00:00Z; no zone = UTC)")
    parser.add_argument("--until", help="end (exclusive), ISO-8601; default and maximum: now")
    parser.add_argument(
        "--region", default=os.environ.get("GENESYS_REGION"),
        help=f"the org's Genesys region (env GENESYS_REGION): {valid_regions_text()}",
    )
    parser.add_argument(
        "--api-base-url", default=os.environ.get("GENESYS_API_BASE_URL"),
        help="use this API URL instead of the region's (env GENESYS_API_BASE_URL; a gateway or a test server)",
    )
    parser.add_argument(
        "--credentials-secret", metavar="SECRET_ID",
        help="read {\"client_id\", \"client_secret\"} from Secrets Manager instead of "
             "GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET",
    )
    parser.add_argument("--service-name", action="append", metavar="NAME",
                        help="Genesys audit service (repeatable or comma-separated); default: every service in the "
                             "API's service mapping")
    parser.add_argument("--mode", choices=("auto", "realtime", "query"), default="auto",
                        help="auto: the realtime query for the last 14 days, the async query before")
    parser.add_argument("--page-size", type=int, default=500, help="audits per API page (1..500)")
    parser.add_argument("--aws-region", help="AWS region of the bus / log group (default: the AWS configuration)")


def register(sub: Any) -> None:
    """Add `backfill` and `gaps` to the CLI."""
    backfill = sub.add_parser(
        "backfill",
        help="read audits from the Genesys audit API and put them onto the bus (resumable)",
        description=(
            "Read [--since, --until) from the Genesys Cloud audit API (OAuth client credentials from "
            "GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET), convert every REST audit to the partner source's shape "
            "(detail.eventBody as on EventBridge, marked detail.backfill) and put it onto --bus with the "
            "webhook path's source and the audit detail-type, so the same rules match. With --checkpoint the "
            "progress is saved after every page and a second run resumes; consumers dedupe on the audit id."
        ),
    )
    _common(backfill)
    backfill.add_argument("--bus", required=True, help="the custom event bus to put onto")
    backfill.add_argument("--checkpoint", metavar="FILE", help="save progress here and resume from it")
    backfill.add_argument("--dry-run", action="store_true", help="read and convert, print a count and the first "
                          "entries, put nothing")
    backfill.add_argument("--skip-present-in", metavar="LOG_GROUP",
                          help="put only the audits this trail log group lacks (fill the holes `gaps` reports)")
    backfill.add_argument("--sample", type=int, default=3, metavar="N", help="entries shown by --dry-run")
    backfill.add_argument("--window-minutes", type=int, default=60, help="query and checkpoint unit (default 60)")
    backfill.add_argument("--source", default="genesys.audit.webhook",
                          help="event source (default: the webhook path's, which the module's rules accept)")
    backfill.add_argument("--detail-type", default=AUDIT_DETAIL_TYPE, help="event detail-type")
    backfill.add_argument("--flatten-property-changes", action="store_true",
                          help="add detail.changedProperties, like NORMALIZE_CHANGED_PROPERTIES on the webhook path")
    backfill.set_defaults(func=_cmd_backfill)

    gaps = sub.add_parser(
        "gaps",
        help="count audits per hour in the Genesys API and in the trail log group; report the holes",
        description=(
            "Exit 1 when the trail misses audits the API has (ids listed per hour), 0 when it has them all. "
            "Audits are bucketed by their own time; the trail is read from --since to now, so records "
            "backfilled later count."
        ),
    )
    _common(gaps)
    gaps.add_argument("--log-group", required=True, help="the trail log group, e.g. /aws/events/genesys-audit")
    gaps.add_argument("--exclude-entity-type", action="append", metavar="TYPE",
                      help="entity types the trail rule excludes (repeatable; default UserPresence)")
    gaps.add_argument("--include-all", action="store_true", help="exclude no entity type")
    gaps.add_argument("--all-hours", action="store_true", help="also list hours with no audits")
    gaps.add_argument("--format", choices=("text", "json"), default="text")
    gaps.set_defaults(func=_cmd_gaps)


