"""Which ids of an audit record to look up, and looking them up concurrently within one time budget.

Looked up: the acting user, the acting OAuth client (then its roles, when time is left), the entity when
its type has a read endpoint, division ids in property changes, role ids in role grants, and the user and
role of a role membership (Genesys names that entity `<userId>--<roleId>--<orgId>`). Only id-shaped values
are looked up (letters, digits and dashes): a hostile value never reaches a URL path. Answers, 404s
included, are cached per container for a TTL, and optionally shared between containers (`store`, the
function's idempotency table); failures are not cached.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from genesys_audit.audit import AuditView
from genesys_audit.enrichment.client import GenesysReader, LookupFailed, NotFound
from genesys_audit.enrichment.names import Found, Names, clean
from genesys_audit.enrichment.store import TableCache

# kind -> read endpoint; each needs one read-only permission (README, "Enrichment").
PATHS = {
    "user": "/api/v2/users/{id}",
    "client": "/api/v2/oauth/clients/{id}",
    "role": "/api/v2/authorization/roles/{id}",
    "division": "/api/v2/authorization/divisions/{id}",
    "queue": "/api/v2/routing/queues/{id}",
    "integration": "/api/v2/integrations/{id}",
    "flow": "/api/v2/flows/{id}",
    "group": "/api/v2/groups/{id}",
}
# audit entityType (lower case) -> kind
ENTITY_KINDS = {
    "user": "user",
    "oauthclient": "client",
    "role": "role",
    "division": "division",
    "queue": "queue",
    "integration": "integration",
    "flow": "flow",
    "group": "group",
}
MAX_LOOKUPS = 16  # per record: a record listing hundreds of ids cannot fan out
MAX_CLIENT_ROLES = 5
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def _ids(values: tuple[Any, ...] | None) -> list[str]:
    return [v for v in values or () if isinstance(v, str) and _ID.match(v)]


def targets(view: AuditView) -> list[tuple[str, str]]:
    """The (kind, id) pairs worth looking up for `view`, in order of importance, without duplicates."""
    out: list[tuple[str, str]] = []
    if view.user_id:
        out.append(("user", view.user_id))
    if view.client_id:
        out.append(("client", view.client_id))
    kind = ENTITY_KINDS.get((view.entity_type or "").lower())
    if kind and view.entity_id:
        out.append((kind, view.entity_id))
    parts = (view.entity_name or "").split("--")
    if kind == "role" and len(parts) == 3 and all(_ID.match(p) for p in parts):  # a role membership
        out += [("user", parts[0]), ("role", parts[1])]
    for change in view.changes:
        name = change.property.lower()
        change_kind = "division" if "division" in name else "role" if "role" in name else None
        if change_kind:
            out += [(change_kind, ident) for ident in _ids(change.old) + _ids(change.new)]
    unique = [t for t in dict.fromkeys(out) if _ID.match(t[1])]
    return unique[:MAX_LOOKUPS]


def parse(kind: str, ident: str, data: dict[str, Any]) -> Found:
    """The name and the details worth showing from a read endpoint's answer."""
    details: list[tuple[str, str]] = []
    role_ids: tuple[str, ...] = ()
    if kind == "user":
        for key, field in (("email", "email"), ("title", "title"), ("department", "department"), ("state", "state")):
            if value := clean(data.get(field)):
                details.append((key, value))
    elif kind == "client":
        if grant := clean(data.get("authorizedGrantType")):
            details.append(("grant", grant.lower().replace("_", "-")))
        grants = data.get("roleDivisions")
        listed = [g.get("roleId") for g in grants if isinstance(g, dict)] if isinstance(grants, list) else []
        if not listed and isinstance(data.get("roleIds"), list):
            listed = data["roleIds"]
        role_ids = tuple(dict.fromkeys(_ids(tuple(listed))))[:MAX_CLIENT_ROLES]
    return Found(kind, ident, clean(data.get("name")), tuple(details), role_ids=role_ids)


class Resolver:
    """Looks names up through one reader, with a per-container cache; one per container."""

    def __init__(
        self,
        reader: GenesysReader,
        *,
        ttl_seconds: float = 300,
        clock: Callable[[], float] = time.monotonic,
        max_workers: int = 8,
        shared: TableCache | None = None,
    ) -> None:
        self.reader = reader
        self.shared = shared
        self.ttl = ttl_seconds
        self._clock = clock
        self._max_workers = max_workers
        self._cache: dict[tuple[str, str], tuple[float, Found]] = {}
        self._lock = threading.Lock()

    def _cached(self, key: tuple[str, str]) -> Found | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None or entry[0] <= self._clock():
                self._cache.pop(key, None)
                return None
            return entry[1]

    def _lookup(self, kind: str, ident: str, deadline: float) -> Found:
        found = self.shared.get(kind, ident) if self.shared is not None else None
        if found is None:
            try:
                found = parse(kind, ident, self.reader.get(PATHS[kind].format(id=ident), deadline))
            except NotFound:
                found = Found(kind, ident, deleted=True)
            if self.shared is not None:
                self.shared.put(found)
        with self._lock:
            self._cache[(kind, ident)] = (self._clock() + self.ttl, found)
        return found

    def _round(
        self,
        wanted: Iterable[tuple[str, str]],
        deadline: float,
        found: dict[tuple[str, str], Found],
        failures: list[str],
    ) -> None:
        todo = []
        for key in wanted:
            if key in found:
                continue
            hit = self._cached(key)
            if hit is not None:
                found[key] = hit
            else:
                todo.append(key)
        if not todo:
            return
        from concurrent.futures import ThreadPoolExecutor, wait

        pool = ThreadPoolExecutor(max_workers=min(self._max_workers, len(todo)), thread_name_prefix="names")
        try:
            futures = [(key, pool.submit(self._lookup, *key, deadline)) for key in todo]
            wait([f for _, f in futures], timeout=max(0.0, deadline - self._clock()))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # a late answer is cached for the next alert
        for key, future in futures:
            if not future.done() or future.cancelled():
                failures.append("timed out")
            elif isinstance(exc := future.exception(), LookupFailed):
                failures.append(exc.reason)
            elif exc is not None:
                failures.append(f"lookup failed ({type(exc).__name__})")
            else:
                found[key] = future.result()

    def resolve(self, view: AuditView, budget_seconds: float) -> Names:
        """Everything `targets(view)` names, looked up concurrently; returns by `budget_seconds` at the latest."""
        deadline = self._clock() + max(0.0, budget_seconds)
        found: dict[tuple[str, str], Found] = {}
        failures: list[str] = []
        self._round(targets(view), deadline, found, failures)
        client = found.get(("client", view.client_id or ""))
        if client is not None and client.role_ids and not failures:
            self._round((("role", r) for r in client.role_ids), deadline, found, failures)
        return Names(found, tuple(dict.fromkeys(failures)))
