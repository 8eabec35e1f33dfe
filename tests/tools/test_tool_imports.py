"""The tools package has no import cycles through the command line: `cli` imports the tools, never back."""

from __future__ import annotations

import ast
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "genesys_audit_tools"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_tool_module_imports_the_command_line_back():
    offenders = sorted(
        str(path.relative_to(TOOLS))
        for path in TOOLS.rglob("*.py")
        if path.name != "cli.py" and "genesys_audit_tools.cli" in _imports(path)
    )
    assert offenders == [], f"these modules import genesys_audit_tools.cli, which imports them: {offenders}"
