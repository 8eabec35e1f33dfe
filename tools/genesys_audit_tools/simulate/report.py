"""The simulation report, for the terminal and as Markdown for a PR comment."""

from __future__ import annotations

from collections import Counter

from genesys_audit_tools.simulate.run import Simulation


def _outcomes(sim: Simulation) -> Counter[str]:
    return Counter(d.outcome for t in sim.traces for d in t.deliveries)


def summary_lines(sim: Simulation) -> list[str]:
    """Totals shared by both formats."""
    outcomes = _outcomes(sim)
    dead = sum(len(v) for v in sim.dead_letters.values())
    return [
        f"{len(sim.traces)} events replayed in {sim.seconds:.1f} s; "
        f"{sum(bool(t.rules) for t in sim.traces)} matched at least one rule.",
        f"Deliveries: {outcomes.get('delivered', 0)} delivered, {outcomes.get('function error', 0)} function errors, "
        f"{outcomes.get('failed', 0)} failed.",
        f"Alerts published: {len(sim.alerts)}; chat/paging requests: "
        + (", ".join(f"{k} {v}" for k, v in sorted(sim.chat.items())) or "none")
        + f"; Splunk HEC events: {len(sim.hec_records)}.",
        f"Dead-letter queues: {dead} message(s)" + (" (should be 0)" if dead else " (empty, as they should be)."),
    ]


def _fact(message: str, label: str) -> str | None:
    prefix = f"{label}:"
    return next((line[len(prefix) :].strip() for line in message.splitlines() if line.startswith(prefix)), None)


def threshold_lines(sim: Simulation) -> list[str]:
    """Each threshold (burst) alert: who, how many, in which window."""
    out = []
    for alert in sim.alerts:
        window = _fact(alert.message, "Window")
        if window is not None:
            out += [
                f"  {alert.subject}",
                f"      Who: {_fact(alert.message, 'Who')}",
                f"      Count: {_fact(alert.message, 'Count')}",
                f"      Window: {window}",
            ]
    return out


def enrichment_lines(sim: Simulation) -> list[str]:
    """Names in alerts and findings: one alert and one finding named, and each alert whose names timed out
    with how long its invocation took (empty when no function had enrichment on)."""
    if sim.genesys_url is None:
        return []
    took = {r["subject"]: seconds for name, seconds, r in sim.invocations if r and isinstance(r.get("subject"), str)}
    out = [f"Names (enrichment from the fake Genesys API at {sim.genesys_url}):"]
    named = next(
        (a for a in sim.alerts if _fact(a.message, "Names") is None and ": " in (_fact(a.message, "Who") or "")), None
    )
    if named is not None:
        out += [f"  alert    {named.subject}", f"           Who: {_fact(named.message, 'Who')}"]
    for alert in [a for a in sim.alerts if "timed out" in (_fact(a.message, "Names") or "")][:3]:
        seconds = took.get(alert.subject)
        out.append(f"  alert    {alert.subject}")
        out.append(f"           Names: {_fact(alert.message, 'Names')}")
        if seconds is not None:
            out.append(f"           sent anyway: the invocation took {seconds:.2f} s")
    named_findings = [f for f in sim.findings if (f.get("names") or {}).get("status") == "resolved"]
    finding = max(named_findings, key=lambda f: len(f["names"]["resolved"]), default=None)  # the most names
    if finding is not None:
        resolved = ", ".join(
            f"{item['kind']} {item.get('name') or 'deleted'}" for item in finding["names"]["resolved"]
        )
        out.append(f"  finding  {finding.get('entityType')} {finding.get('action')} (audit {finding.get('auditId')}):")
        out.append(f"           {resolved}")
    alert_times = [seconds for name, seconds, r in sim.invocations if r and "subject" in r]
    if alert_times:
        out.append(f"  alert function: {len(alert_times)} alert(s), slowest invocation {max(alert_times):.2f} s")
    return out


def format_text(sim: Simulation) -> str:
    """Human report for the terminal."""
    out = [f"Simulation of {sim.directory}", ""]
    out.append("Per event:")
    for trace in sim.traces:
        out.append(f"  {trace.label}  [{trace.path} -> {trace.bus.rsplit('/', 1)[-1]}]")
        out.append(f"      rules: {', '.join(trace.rules) or '(none)'}")
        for d in trace.deliveries:
            mark = "ok " if d.outcome == "delivered" else "ERR"
            out.append(f"      {mark} {d.rule} -> {d.target}: {d.detail}")
        out.extend(f"      note: {n}" for n in trace.notes)
    out += ["", "Alerts:"]
    out += [f"  {a.subject}" for a in sim.alerts] or ["  (none)"]
    if bursts := threshold_lines(sim):
        out += ["", "Threshold (burst) alerts:", *bursts]
    if enriched := enrichment_lines(sim):
        out += ["", *enriched]
    out += ["", "Per target:"]
    out += [f"  {target}: {count}" for target, count in sorted(sim.delivered.items())] or ["  (none)"]
    out += [f"  log group {group}: {count} event(s)" for group, count in sorted(sim.log_events.items())]
    out += [f"  {line}" for line in sim.consumers]
    out += ["", "Lambda metrics (EMF, from each function's log group):"]
    out += [f"  {name}: {_metrics(values)}" for name, values in sim.metrics.items()] or ["  (none)"]
    out += ["", "Dead-letter queues:"]
    out += [f"  {name}: {len(msgs)}" for name, msgs in sorted(sim.dead_letters.items())] or ["  (none)"]
    out += ["", *summary_lines(sim), "", sim.engine_note]
    out += [f"note: {n}" for n in sim.notes]
    return "\n".join(out) + "\n"


def _metrics(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in values.items()) or "no metrics"


def format_markdown(sim: Simulation) -> str:
    """The same for a PR comment."""
    out = [f"### Pipeline simulation: `{sim.directory}`", ""]
    out += [f"- {line}" for line in summary_lines(sim)]
    out += ["", "| event | path | rules matched | delivered to |", "|---|---|---|---|"]
    for trace in sim.traces:
        targets = ", ".join(
            f"`{d.target}`" + ("" if d.outcome == "delivered" else f" ({d.outcome})") for d in trace.deliveries
        )
        rules = ", ".join(f"`{r}`" for r in trace.rules) or "—"
        out.append(f"| `{trace.label}` | {trace.path} | {rules} | {targets or '—'} |")
    out += ["", "**Alerts**", ""]
    out += [f"- `{a.subject}`" for a in sim.alerts] or ["- none"]
    if bursts := threshold_lines(sim):
        out += ["", "**Threshold (burst) alerts**", "", "```", *bursts, "```"]
    if enriched := enrichment_lines(sim):
        out += ["", "```", *enriched, "```"]
    out += ["", "| target | events |", "|---|---|"]
    out += [f"| `{target}` | {count} |" for target, count in sorted(sim.delivered.items())]
    out += ["", "| function | metrics (EMF) |", "|---|---|"]
    out += [f"| `{name}` | {_metrics(values)} |" for name, values in sim.metrics.items()]
    out += ["", "**Queue consumers**", ""] + [f"- {line}" for line in sim.consumers]
    out += ["", "| dead-letter queue | messages |", "|---|---|"]
    out += [f"| `{name}` | {len(msgs)} |" for name, msgs in sorted(sim.dead_letters.items())]
    out += ["", f"_{sim.engine_note}_", ""]
    if sim.notes:
        out += ["<details><summary>Notes</summary>", ""] + [f"- {n}" for n in sim.notes] + ["", "</details>", ""]
    return "\n".join(out)
