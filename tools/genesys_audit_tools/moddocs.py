"""Inputs and outputs tables of every module README, generated from the HCL, and the rule catalog's tables.

`python -m genesys_audit_tools.moddocs` rewrites the section between `<!-- BEGIN_TF_DOCS -->` and
`<!-- END_TF_DOCS -->` of `modules/*/README.md` (and of the root README when it has the markers), and
the catalog table and "controls evidenced" view between `<!-- BEGIN_CATALOG -->` and
`<!-- END_CATALOG -->` of `modules/audit-rules/README.md` (from `catalog.json`); `--check` only
reports READMEs that are stale and exits 1 (a test runs it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
CATALOG_BEGIN, CATALOG_END = "<!-- BEGIN_CATALOG -->", "<!-- END_CATALOG -->"
REPO = Path(__file__).resolve().parents[2]
FRAMEWORKS = {  # catalog key -> (short label, full name)
    "pci_dss_4": ("PCI", "PCI DSS v4.0"),
    "soc2": ("SOC 2", "SOC 2 (2017 Trust Services Criteria)"),
    "iso27001_2022": ("ISO", "ISO/IEC 27001:2022 Annex A"),
}


@dataclass(frozen=True)
class Variable:
    """One input."""

    name: str
    type: str
    description: str
    default: str | None  # None: required


@dataclass(frozen=True)
class Output:
    """One output."""

    name: str
    description: str


def _text(raw: Any) -> str:
    """A string attribute as python-hcl2 gives it (quoted, possibly a heredoc) as plain text."""
    if not isinstance(raw, str):
        return json.dumps(raw)
    text = raw
    if text.startswith('"') and text.endswith('"'):
        try:
            text = json.loads(text)
        except json.JSONDecodeError:
            text = text[1:-1]
    heredoc = re.match(r"^<<-?(\w+)\n(.*)\n\s*\1$", text, re.DOTALL)
    if heredoc:
        text = heredoc.group(2)
    return " ".join(text.split())


def _expression(raw: Any) -> str:
    if isinstance(raw, str):
        text = raw[2:-1] if raw.startswith("${") and raw.endswith("}") else raw
        return " ".join(text.split())
    return json.dumps(raw)


def _default(raw: Any) -> str:
    if isinstance(raw, str) and raw.startswith('"'):
        return json.dumps(_text(raw))
    if isinstance(raw, str):
        return _expression(raw)
    return json.dumps(raw)


def _blocks(path: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    if not path.exists():
        return []
    with path.open() as handle:
        parsed = hcl2.load(handle)
    found: list[tuple[str, dict[str, Any]]] = []
    for block in parsed.get(kind, []):
        for name, body in block.items():
            found.append((name.strip('"'), body))
    return found


def read_module(directory: Path) -> tuple[list[Variable], list[Output]]:
    """The variables and outputs of one module directory."""
    variables = [
        Variable(
            name,
            _expression(body.get("type", "any")),
            _text(body.get("description", "")),
            _default(body["default"]) if "default" in body else None,
        )
        for name, body in _blocks(directory / "variables.tf", "variable")
    ]
    outputs = [
        Output(name, _text(body.get("description", ""))) for name, body in _blocks(directory / "outputs.tf", "output")
    ]
    return variables, outputs


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(variables: list[Variable], outputs: list[Output]) -> str:
    """The generated Markdown section (without the markers)."""
    lines = ["## Inputs", "", "| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
    for v in sorted(variables, key=lambda v: (v.default is not None, v.name)):
        default = "n/a" if v.default is None else f"`{_cell(v.default)}`"
        required = "yes" if v.default is None else "no"
        lines.append(f"| `{v.name}` | {_cell(v.description)} | `{_cell(v.type)}` | {default} | {required} |")
    lines += ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
    lines += [f"| `{o.name}` | {_cell(o.description)} |" for o in sorted(outputs, key=lambda o: o.name)]
    return "\n".join(lines)


def _natural(control: str) -> list[Any]:
    """Sort key: 10.2.1.10 after 10.2.1.2, CC6.10 after CC6.2."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", control)]


def _threshold(rule: dict[str, Any]) -> str:
    t = rule.get("threshold")
    if not t:
        return "—"
    return f"≥ {t['count']} / {t['window_minutes']} min per {t['group_by']}"


def render_catalog(rules: list[dict[str, Any]]) -> str:
    """The catalog table and the controls-evidenced view (without the markers)."""
    domains: dict[str, int] = {}
    for rule in rules:
        domains[rule["domain"]] = domains.get(rule["domain"], 0) + 1
    lines = [
        f"{len(rules)} rules: " + ", ".join(f"{d} {n}" for d, n in sorted(domains.items())) + ".",
        "",
        "| rule | severity | domain | matches | ATT&CK | controls | destinations | threshold | runbook |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for rule in rules:
        match = rule["match"]
        matches = "; ".join(
            part
            for part in (
                ", ".join(match.get("service_names", [])) and f"service {', '.join(match['service_names'])}",
                ", ".join(match.get("entity_types", [])) or "any type",
                ", ".join(match.get("actions", [])),
                ", ".join(match.get("properties", [])) and f"property {', '.join(match['properties'])}",
            )
            if part
        )
        controls = "<br>".join(
            f"{short} {', '.join(rule['controls'][key])}"
            for key, (short, _) in FRAMEWORKS.items()
            if rule["controls"].get(key)
        )
        anchor = rule["runbook_url"].split("#", 1)[1]
        lines.append(
            f"| `{rule['key']}` | {rule['severity']} | {rule['domain']} | {_cell(matches)} | "
            f"{', '.join(rule['attack'])} | {controls} | {', '.join(rule['destinations'])} | "
            f"{_threshold(rule)} | [{anchor}](../../{rule['runbook_url']}) |"
        )
    lines += ["", "### Controls evidenced", ""]
    lines.append("Which rules give evidence for each control (from each rule's `controls`).")
    for key, (_, name) in FRAMEWORKS.items():
        by_control: dict[str, list[str]] = {}
        for rule in rules:
            for control in rule["controls"].get(key, []):
                by_control.setdefault(control, []).append(rule["key"])
        lines += ["", f"**{name}**", "", "| control | rules |", "|---|---|"]
        for control in sorted(by_control, key=_natural):
            lines.append(f"| {control} | {', '.join(f'`{k}`' for k in by_control[control])} |")
    return "\n".join(lines)


def _replace(text: str, begin: str, end: str, body: str, readme: Path) -> str:
    if begin not in text or end not in text:
        raise ValueError(f"{readme} has no {begin} ... {end} section")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def update(readme: Path, *, check: bool) -> bool:
    """Rewrite (or check) one README's generated sections; True when they were already current."""
    text = readme.read_text()
    generated = _replace(text, BEGIN, END, render(*read_module(readme.parent)), readme)
    catalog = readme.parent / "catalog.json"
    if CATALOG_BEGIN in text or catalog.exists():
        rules = json.loads(catalog.read_text())["rules"]
        generated = _replace(generated, CATALOG_BEGIN, CATALOG_END, render_catalog(rules), readme)
    if generated == text:
        return True
    if not check:
        readme.write_text(generated)
    return False


def readmes(root: Path = REPO) -> list[Path]:
    """Every README with a generated section: each module's, and the root's when marked."""
    found = sorted((root / "modules").glob("*/README.md"))
    if BEGIN in (root / "README.md").read_text():
        found.append(root / "README.md")
    return found


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m genesys_audit_tools.moddocs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="report stale READMEs and exit 1 instead of writing")
    args = parser.parse_args(argv)
    stale = [str(r.relative_to(REPO)) for r in readmes() if not update(r, check=args.check)]
    if stale and args.check:
        print("stale module docs (run `python -m genesys_audit_tools.moddocs`):", ", ".join(stale))
        return 1
    for name in stale:
        print(f"updated {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
