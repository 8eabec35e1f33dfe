"""Shared fixtures: Lambda context, fake AWS environment, Genesys samples directory."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@dataclass
class FakeLambdaContext:
    """Minimal Lambda context: the attributes Powertools reads plus a real remaining-time clock."""

    function_name: str = "genesys-audit-test"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:genesys-audit-test"
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/genesys-audit-test"
    log_stream_name: str = "2026/11/24/[$LATEST]test"
    timeout_ms: int = 30_000
    _start: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the (fake) timeout."""
        return max(0, int(self.timeout_ms - (time.monotonic() - self._start) * 1000))


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """A fresh fake Lambda context with 30 s to run."""
    return FakeLambdaContext()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fake credentials, eu-central-1, Powertools test settings (tracing off, test namespace)."""
    values = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "GenesysAuditTest",
        "POWERTOOLS_SERVICE_NAME": "genesys-audit-test",
        "POWERTOOLS_DEV": "false",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def _shared_dir() -> Path:
    override = os.environ.get("GENESYS_AUDIT_SHARED")
    return Path(override) if override else REPO.parent / "shared"


@pytest.fixture(scope="session")
def genesys_samples_dir() -> Path:
    """`<repo>/../shared/reference/genesys-samples` (GENESYS_AUDIT_SHARED overrides `<repo>/../shared`)."""
    path = _shared_dir() / "reference" / "genesys-samples"
    if not path.is_dir():
        pytest.skip(f"Genesys samples not found at {path}; set GENESYS_AUDIT_SHARED to the shared/ directory")
    return path
