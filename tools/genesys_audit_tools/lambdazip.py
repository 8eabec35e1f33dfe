"""What each Lambda zip holds: its handler package and the library modules that handler imports.

`python -m genesys_audit_tools.lambdazip` writes `lambda_src/packages.json`, `{handler package: [files]}`,
which `modules/lambda-function` reads to leave every other file out of the zip (`--check` only reports
whether the committed manifest is stale). Imports are found statically, at any depth of a module (lazy
imports inside functions count; `if TYPE_CHECKING:` blocks do not), and followed transitively; a module
brings the `__init__.py` of each package above it, as Python imports those first.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "lambda_src"
MANIFEST = "packages.json"


def handler_packages(source: Path = SOURCE) -> list[str]:
    """Top-level packages holding a `handler.py`: one zip each."""
    return sorted(p.parent.name for p in source.glob("*/handler.py"))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _import_nodes(other)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _import_nodes(child)


def _module_file(source: Path, dotted: str) -> Path | None:
    base = source.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(source: Path, file: Path) -> set[str]:
    """Dotted names of the modules under `source` that `file` imports."""
    relative = file.relative_to(source).with_suffix("")
    package = list(relative.parts[:-1])  # the package a relative import starts from (also for __init__)
    found: set[str] = set()
    for node in _import_nodes(ast.parse(file.read_text(), str(file))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        for name in names:
            if name and _module_file(source, name) is not None:
                found.add(name)
    return found


def files_for(handler: str, source: Path = SOURCE) -> list[str]:
    """Every file the `handler` package's zip must hold, as paths relative to `source`."""
    pending = [handler] + [
        ".".join(p.relative_to(source).with_suffix("").parts) for p in (source / handler).rglob("*.py")
    ]
    seen: set[str] = set()
    files: set[Path] = set()
    while pending:
        name = pending.pop().removesuffix(".__init__")
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        pending.extend(".".join(parts[:n]) for n in range(1, len(parts)))  # the packages above it
        file = _module_file(source, name)
        if file is None:
            continue
        files.add(file)
        pending.extend(_imported(source, file))
    return sorted(f.relative_to(source).as_posix() for f in files)


def manifest(source: Path = SOURCE) -> dict[str, list[str]]:
    """`{handler package: [files]}` for every handler under `source`."""
    return {handler: files_for(handler, source) for handler in handler_packages(source)}


def render(source: Path = SOURCE) -> str:
    """The manifest file's text (deterministic)."""
    return json.dumps(manifest(source), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, verify) `lambda_src/packages.json`."""
    parser = argparse.ArgumentParser(prog="python -m genesys_audit_tools.lambdazip", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed manifest is stale")
    args = parser.parse_args(argv)
    path = SOURCE / MANIFEST
    text = render()
    current = path.read_text() if path.exists() else ""
    if args.check:
        if current != text:
            print(f"{path} is stale: run `python -m genesys_audit_tools.lambdazip`")
            return 1
        return 0
    if current != text:
        path.write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
