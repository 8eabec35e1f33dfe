"""Run our Lambda handlers in process, with the environment the plan gives them."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from genesys_audit_tools import envvars
from genesys_audit_tools.simulate.topology import Function


@dataclass
class LambdaContext:
    """The parts of the Lambda context object our handlers use."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "simulated"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the simulated timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))



class LambdaRuntime:
    """Imports each function's handler once (its cold start) and invokes it."""

    def __init__(
        self, source_dir: Path, base_environment: Mapping[str, str], forced_environment: Mapping[str, str] | None = None
    ) -> None:
        self.source_dir = source_dir
        self.base_environment = dict(base_environment)
        # Set over what the plan gives every function (e.g. a quieter log level for the report).
        self.forced_environment = dict(forced_environment or {})
        self._modules: dict[str, ModuleType] = {}
        # Per-function environment overrides (e.g. a secret ARN replaced by the one the embedded AWS created).
        self.overrides: dict[str, dict[str, str]] = {}
        # What each function printed (EMF metrics, print()), like its CloudWatch log group.
        self.logs: dict[str, list[str]] = {}
        # Every invocation: (function name, seconds it took, what it returned when it returned a dict).
        self.invocations: list[tuple[str, float, dict[str, Any] | None]] = []
        if str(source_dir) not in sys.path:
            sys.path.insert(0, str(source_dir))
        # Like a fresh Lambda process: Powertools' parameter providers (dropped with their cached values) hold
        # a client bound to the region and embedded AWS of whoever created them first.
        from genesys_audit.secrets import clear_cache

        clear_cache()

    def environment(self, function: Function) -> dict[str, str]:
        """What the function sees in os.environ."""
        return {
            **self.base_environment,
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            **function.environment,
            **self.overrides.get(function.arn, {}),
            **self.forced_environment,
        }

    def _handler(self, function: Function) -> Any:
        """Each function gets its own copy of its handler module, as each Lambda has its own process: module
        state (settings read at import, cached clients and secrets) never leaks between functions or runs."""
        module_name, _, attribute = function.handler.rpartition(".")
        if function.arn not in self._modules:
            spec = importlib.util.find_spec(module_name)
            if spec is None or spec.origin is None:
                raise ImportError(f"handler module {module_name} not found in {self.source_dir}")
            private = importlib.util.spec_from_file_location(
                f"{module_name}.__simulated_{len(self._modules)}_{id(self):x}", spec.origin
            )
            assert private is not None and private.loader is not None
            module = importlib.util.module_from_spec(private)
            with envvars.patched(self.environment(function)):
                private.loader.exec_module(module)
            self._modules[function.arn] = module
        return getattr(self._modules[function.arn], attribute)

    def invoke(self, function: Function, payload: Any) -> Any:
        """Invoke synchronously; exceptions propagate like a function error. Output goes to `logs`."""
        handler = self._handler(function)
        context = LambdaContext(function.name, function.arn)
        output = io.StringIO()
        started, result = time.monotonic(), None
        try:
            with envvars.patched(self.environment(function)), contextlib.redirect_stdout(output):
                result = handler(payload, context)
                return result
        finally:
            self.logs.setdefault(function.name, []).extend(output.getvalue().splitlines())
            elapsed = time.monotonic() - started
            self.invocations.append((function.name, elapsed, result if isinstance(result, dict) else None))
