"""Inputs and outputs tables of every module README, generated from the HCL.

`python -m genesys_audit_tools.moddocs` rewrites the section between `<!-- BEGIN_TF_DOCS -->` and
`<!-- END_TF_DOCS -->` of `modules/*/README.md` (and of the root README when it has the markers);
`--check` only reports READMEs that are stale and exits 1 (a test runs it).
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
REPO = Path(__file__).resolve().parents[2]


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


def update(readme: Path, *, check: bool) -> bool:
    """Rewrite (or check) one README's generated section; True when it was already current."""
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise ValueError(f"{readme} has no {BEGIN} ... {END} section")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    generated = f"{head}{BEGIN}\n{render(*read_module(readme.parent))}\n{END}{tail}"
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
