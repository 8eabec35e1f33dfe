"""Resumable backfills: which windows are done, and which audit ids of the current window were put.

A window is done when every service in it was read and put. Inside the window being worked on, the ids
already put are kept, so a run that stops half-way (crash, Ctrl-C, Lambda timeout, a PutEvents failure)
re-reads that window on restart and skips exactly those ids: every record is put once.

Stores: a JSON file (CLI, written atomically), an SSM parameter (the scheduled Lambda), or memory.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from genesys_audit.backfill.errors import BackfillInputError
from genesys_audit.backfill.windows import parse_event_time

VERSION = 1
SSM_MAX_BYTES = 8192  # an advanced parameter; Intelligent-Tiering picks it only when the value needs it


class CheckpointStore(Protocol):
    """Where a checkpoint lives."""

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None when there is none yet."""

    def save(self, state: dict[str, Any]) -> None:
        """Persist the state (replacing the previous one)."""


@dataclass
class MemoryCheckpoint:
    """In-memory store (tests, one-shot runs)."""

    state: dict[str, Any] | None = None
    saves: int = 0

    def load(self) -> dict[str, Any] | None:
        """The saved state."""
        return json.loads(json.dumps(self.state)) if self.state is not None else None

    def save(self, state: dict[str, Any]) -> None:
        """Keep a copy."""
        self.state = json.loads(json.dumps(state))
        self.saves += 1


@dataclass
class FileCheckpoint:
    """A JSON file, replaced atomically (write to a temporary file, then rename)."""

    path: Path

    def load(self) -> dict[str, Any] | None:
        """Read the file; None when it does not exist."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            raise BackfillInputError(f"checkpoint {self.path} is not JSON; delete it to start over") from None
        if not isinstance(data, dict):
            raise BackfillInputError(f"checkpoint {self.path} is not a JSON object; delete it to start over")
        return data

    def save(self, state: dict[str, Any]) -> None:
        """Write to a temporary file beside it, fsync, rename over it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=1, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@dataclass
class SsmCheckpoint:
    """An SSM String parameter (the scheduled Lambda). Kept under 8 KB: done windows outside the lookback
    are pruned by the caller; if the current window's ids still do not fit, they are dropped (a restart
    then re-puts that window's records, which consumers dedupe on the audit id)."""

    name: str
    client: Any
    dropped_ids: int = 0

    def load(self) -> dict[str, Any] | None:
        """Read the parameter; None when it does not exist."""
        try:
            value = self.client.get_parameter(Name=self.name)["Parameter"]["Value"]
        except Exception as exc:
            if type(exc).__name__ == "ParameterNotFound" or "ParameterNotFound" in str(exc):
                return None
            raise
        try:
            data = json.loads(value)
        except ValueError:
            return None  # not ours (e.g. a placeholder value set by Terraform): start fresh
        return data if isinstance(data, dict) else None

    def save(self, state: dict[str, Any]) -> None:
        """put_parameter(Overwrite=True)."""
        text = json.dumps(state, separators=(",", ":"), sort_keys=True)
        if len(text.encode()) > SSM_MAX_BYTES and state.get("current"):
            self.dropped_ids += len(state["current"].get("ids") or [])
            state = {**state, "current": {**state["current"], "ids": []}}
            text = json.dumps(state, separators=(",", ":"), sort_keys=True)
        self.client.put_parameter(Name=self.name, Value=text, Type="String", Overwrite=True, Tier="Intelligent-Tiering")


@dataclass
class Checkpoint:
    """The state of one backfill: done windows and the progress inside the current one."""

    run_id: str
    bus: str
    services: list[str] | None
    done: list[str] = field(default_factory=list)
    current: dict[str, Any] | None = None
    put: int = 0

    @classmethod
    def new(cls, bus: str, services: list[str] | None) -> Checkpoint:
        """A fresh state with a new run id."""
        return cls(run_id=str(uuid.uuid4()), bus=bus, services=services)

    @classmethod
    def from_state(cls, state: dict[str, Any], *, where: str) -> Checkpoint:
        """Parse a saved state; a wrong version or shape is a clear error."""
        if state.get("version") != VERSION:
            raise BackfillInputError(f"checkpoint {where} has version {state.get('version')!r}, expected {VERSION}")
        services = state.get("services")
        return cls(
            run_id=str(state.get("runId") or uuid.uuid4()),
            bus=str(state.get("bus") or ""),
            services=list(services) if isinstance(services, list) else None,
            done=[str(k) for k in state.get("done") or []],
            current=state.get("current") if isinstance(state.get("current"), dict) else None,
            put=int(state.get("put") or 0),
        )

    def to_state(self) -> dict[str, Any]:
        """The JSON-able state."""
        return {
            "version": VERSION,
            "runId": self.run_id,
            "bus": self.bus,
            "services": self.services,
            "done": self.done,
            "current": self.current,
            "put": self.put,
        }

    def check_matches(self, bus: str, services: list[str] | None, *, where: str) -> None:
        """Refuse to resume a checkpoint written for another bus or another set of services."""
        if self.bus != bus:
            raise BackfillInputError(
                f"checkpoint {where} was written for bus {self.bus!r}, not {bus!r}; use another checkpoint file"
            )
        if sorted(self.services or []) != sorted(services or []):
            raise BackfillInputError(
                f"checkpoint {where} was written for services {self.services or 'all'}, not {services or 'all'}; "
                "use another checkpoint file"
            )

    def is_done(self, window_key: str) -> bool:
        """The window was fully put."""
        return window_key in self.done

    def _current(self, window_key: str) -> dict[str, Any]:
        if not self.current or self.current.get("window") != window_key:
            self.current = {"window": window_key, "servicesDone": [], "service": None, "ids": []}
        return self.current

    def service_done(self, window_key: str, service: str) -> bool:
        """The service was fully put in this window."""
        return bool(self.current and self.current.get("window") == window_key
                    and service in (self.current.get("servicesDone") or []))

    def put_ids(self, window_key: str, service: str) -> set[str]:
        """Ids already put for this service in this window."""
        cur = self.current
        if cur and cur.get("window") == window_key and cur.get("service") == service:
            return {str(i) for i in cur.get("ids") or []}
        return set()

    def add_ids(self, window_key: str, service: str, ids: list[str], count: int) -> None:
        """Record a put page: its ids (for exact resume) and how many entries were put."""
        cur = self._current(window_key)
        if cur.get("service") != service:
            cur["service"] = service
            cur["ids"] = []
        cur["ids"] = [*cur.get("ids", []), *ids]
        self.put += count

    def finish_service(self, window_key: str, service: str) -> None:
        """Mark the service done in this window."""
        cur = self._current(window_key)
        cur["servicesDone"] = [*cur.get("servicesDone", []), service]
        cur["service"] = None
        cur["ids"] = []

    def finish_window(self, window_key: str) -> None:
        """Mark the window done."""
        if window_key not in self.done:
            self.done.append(window_key)
        self.current = None

    def prune(self, before: datetime) -> None:
        """Forget done windows that ended before `before` (keeps the SSM value small)."""
        kept = []
        for key in self.done:
            end = parse_event_time(key.partition("/")[2])
            if end is None or end > before:
                kept.append(key)
        self.done = kept
