"""What a planned resource depends on, from the plan's `configuration` section.

`terraform show -json` lists, for every expression, the references it makes (`aws_sqs_queue.dlq[0].arn`,
`var.rules`, `module.function.function_arn`, `each.value`, `local.name`...). Following them through
module variables, module outputs, `for_each`/`count` and `depends_on` gives the resources Terraform
orders a resource after. Locals are not in the configuration section: given the source directory they
are read from the modules' `locals` blocks (`locals_of`); without it a value that flows through a local
cannot be followed and `Closure.locals` lists the locals that stopped it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genesys_audit_tools.harness import Plan, Resource

_INDEX = re.compile(r"\[[^\]]*\]")
_LOCALS = re.compile(r"^\s*locals\s*\{", re.MULTILINE)
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=(?!=)")
_REFERENCE = re.compile(
    r"(?<![\w.\"])(var\.\w+|local\.\w+|module\.\w+(?:\.\w+)?|data\.\w+\.\w+|aws_\w+\.\w+|each\.\w+|count\.index)"
)


def locals_of(directory: Path) -> dict[str, list[str]]:
    """`name -> references` of every local in the module at `directory` (top-level assignments of its
    `locals` blocks; references found by pattern in the expression text)."""
    found: dict[str, list[str]] = {}
    for tf in sorted(directory.glob("*.tf")):
        text = tf.read_text(errors="replace")
        for match in _LOCALS.finditer(text):
            depth, name, body = 0, None, []
            for line in text[match.end():].splitlines():
                if depth == 0:
                    if line.strip() == "}":
                        break
                    assigned = _ASSIGNMENT.match(line)
                    if assigned:
                        if name:
                            found[name] = _REFERENCE.findall("\n".join(body))
                        name, body = assigned.group(1), [line[assigned.end():]]
                        depth += _depth(line[assigned.end():])
                        continue
                body.append(line)
                depth += _depth(line)
            if name:
                found[name] = _REFERENCE.findall("\n".join(body))
    return found


def _depth(line: str) -> int:
    code = line.split("#", 1)[0] if "#" in line and '"' not in line else line
    return sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")


def module_path(resource: Resource) -> str:
    """`module.a.module.b` of a planned resource, without instance keys ("" for the root module)."""
    return _INDEX.sub("", resource.module_address or "")


def config_address(resource: Resource) -> str:
    prefix = "data." if resource.mode == "data" else ""
    return f"{prefix}{resource.type}.{resource.name}"


@dataclass
class Closure:
    """Resources (module path, config address) an expression depends on, and the locals it went through."""

    resources: set[tuple[str, str]] = field(default_factory=set)
    locals: set[str] = field(default_factory=set)


def _strip(references: list[str]) -> list[str]:
    """Drop references that are a prefix of a more precise one in the same list."""
    return [r for r in references if not any((o != r and o.startswith(r + ".")) or o.startswith(r + "[")
                                              for o in references)]


def _references(expressions: Any) -> list[str]:
    found: list[str] = []
    if isinstance(expressions, dict):
        if isinstance(expressions.get("references"), list):
            found += [r for r in expressions["references"] if isinstance(r, str)]
        for key, value in expressions.items():
            if key != "references":
                found += _references(value)
    elif isinstance(expressions, list):
        for item in expressions:
            found += _references(item)
    return found


class Configuration:
    """The configuration section indexed by module path."""

    def __init__(self, plan: Plan, source: Path | None = None) -> None:
        root = (plan.raw.get("configuration") or {}).get("root_module") or {}
        self.modules: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, tuple[str, dict[str, Any]]] = {}  # child path -> (parent path, call)
        self.directories: dict[str, Path | None] = {"": source.resolve() if source else None}
        self._locals: dict[str, dict[str, list[str]] | None] = {}
        self._memo: dict[tuple[str, str, str], Closure] = {}
        self._resources: dict[tuple[str, str], dict[str, Any]] = {}
        self._index("", root)

    @property
    def present(self) -> bool:
        return bool(self.modules.get("", {}))

    def _index(self, path: str, module: dict[str, Any]) -> None:
        self.modules[path] = module
        for name, call in (module.get("module_calls") or {}).items():
            child = f"{path}.module.{name}" if path else f"module.{name}"
            self.calls[child] = (path, call)
            parent_dir, call_source = self.directories.get(path), str(call.get("source", ""))
            self.directories[child] = (
                (parent_dir / call_source).resolve() if parent_dir and call_source.startswith(".") else None
            )
            self._index(child, call.get("module") or {})

    def locals(self, path: str) -> dict[str, list[str]] | None:
        """The locals of a module, or None when its source is not known."""
        if path not in self._locals:
            directory = self.directories.get(path)
            self._locals[path] = locals_of(directory) if directory and directory.is_dir() else None
        return self._locals[path]

    def resource(self, path: str, address: str) -> dict[str, Any] | None:
        if not self._resources:
            for module, body in self.modules.items():
                for item in body.get("resources", []):
                    self._resources[(module, item.get("address", ""))] = item
        return self._resources.get((path, address))

    def attribute(self, resource: Resource, attribute: str) -> Closure:
        """What the expression of `attribute` of a planned resource depends on (plus for_each/count and
        depends_on of the resource and its module calls, which order every attribute)."""
        path = module_path(resource)
        memo = (path, config_address(resource), attribute)
        if memo in self._memo:
            return self._memo[memo]
        item = self.resource(path, config_address(resource))
        closure = self._memo[memo] = Closure()
        if item is None:
            return closure
        expressions = item.get("expressions", {})
        start = _references(expressions.get(attribute))
        start += _references(item.get("for_each_expression")) + _references(item.get("count_expression"))
        self._follow(path, start, closure, set())
        for dependency in item.get("depends_on") or []:
            self._follow(path, [dependency], closure, set())
        self._module_depends_on(path, closure)
        return closure

    def values(self, resource: Resource, attribute: str) -> Closure:
        """The resources whose attributes flow into the value of `attribute` (through variables, outputs and
        locals), without what those resources depend on in turn: which key encrypts a queue, not every
        resource that key's policy names."""
        path = module_path(resource)
        item = self.resource(path, config_address(resource))
        closure = Closure()
        if item is not None:
            self._follow(path, _references(item.get("expressions", {}).get(attribute)), closure, set(), direct=True)
        return closure

    def _module_depends_on(self, path: str, closure: Closure) -> None:
        while path in self.calls:
            parent, call = self.calls[path]
            self._follow(parent, list(call.get("depends_on") or []), closure, set())
            path = parent

    def _whole(self, path: str, address: str, closure: Closure, seen: set[tuple[str, str]]) -> None:
        """A resource and, transitively, everything it depends on."""
        key = (path, address)
        if key in seen:
            return
        seen.add(key)
        if not address.startswith("data."):
            closure.resources.add(key)
        item = self.resource(path, address)
        if item is None:
            return
        self._follow(path, _references(item.get("expressions")) + _references(item.get("for_each_expression"))
                     + _references(item.get("count_expression")) + list(item.get("depends_on") or []),
                     closure, seen)

    def _follow(
        self, path: str, references: list[str], closure: Closure, seen: set[tuple[str, str]], direct: bool = False
    ) -> None:
        """Follow references to resources; `direct` stops at each resource instead of taking in what it depends on."""
        for reference in _strip(references):
            parts = _INDEX.sub("", reference).split(".")
            head = parts[0]
            if head == "var" and len(parts) > 1:
                key = (path, f"var.{parts[1]}")
                if key in seen or path not in self.calls:
                    continue
                seen.add(key)
                parent, call = self.calls[path]
                self._follow(
                    parent,
                    _references((call.get("expressions") or {}).get(parts[1]))
                    + _references(call.get("for_each_expression")) + _references(call.get("count_expression")),
                    closure, seen, direct,
                )
            elif head == "module" and len(parts) > 1:
                child = f"{path}.module.{parts[1]}" if path else f"module.{parts[1]}"
                outputs = (self.modules.get(child) or {}).get("outputs") or {}
                names = [parts[2]] if len(parts) > 2 else list(outputs)
                for name in names:
                    key = (child, f"output.{name}")
                    if key in seen:
                        continue
                    seen.add(key)
                    output = outputs.get(name) or {}
                    self._follow(child, _references(output.get("expression"))
                                 + ([] if direct else list(output.get("depends_on") or [])), closure, seen, direct)
            elif head == "local" and len(parts) > 1:
                known = self.locals(path)
                key = (path, f"local.{parts[1]}")
                if known is None or parts[1] not in known:
                    closure.locals.add(f"{path + '.' if path else ''}local.{parts[1]}")
                elif key not in seen:
                    seen.add(key)
                    self._follow(path, known[parts[1]], closure, seen, direct)
            elif head == "data" and len(parts) > 2:
                self._reach(path, f"data.{parts[1]}.{parts[2]}", closure, seen, direct)
            elif head.startswith("aws_") or ("_" in head and len(parts) > 1 and head not in ("each", "count")):
                self._reach(path, f"{parts[0]}.{parts[1]}", closure, seen, direct)

    def _reach(self, path: str, address: str, closure: Closure, seen: set[tuple[str, str]], direct: bool) -> None:
        """A referenced resource: itself when following `direct`ly, else with all it depends on."""
        if not direct:
            self._whole(path, address, closure, seen)
        elif not address.startswith("data."):
            closure.resources.add((path, address))
