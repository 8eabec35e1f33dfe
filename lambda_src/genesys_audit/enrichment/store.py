"""Names shared by the function's containers: entries with a TTL in its idempotency table.

A burst of alerts about one actor lands on several containers; the first one's answers are kept under
`names#<kind>#<id>` (the table's TTL attribute `expiration` removes them), so the others read one item
instead of calling Genesys. The table is a cache only: any error reading or writing it is a miss.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from genesys_audit.enrichment.names import Found

KEY_PREFIX = "names#"


class TableCache:
    """Get and put `Found` entries in a DynamoDB table (hash key `id`, TTL attribute `expiration`)."""

    def __init__(
        self, table: str, client: Callable[[], Any], *, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.table = table
        self._client = client
        self.ttl = ttl_seconds
        self._clock = clock

    @staticmethod
    def _key(kind: str, ident: str) -> dict[str, dict[str, str]]:
        return {"id": {"S": f"{KEY_PREFIX}{kind}#{ident}"}}

    def get(self, kind: str, ident: str) -> Found | None:
        """The entry when present and not expired (DynamoDB deletes expired items late); None on any error."""
        try:
            item = self._client().get_item(TableName=self.table, Key=self._key(kind, ident)).get("Item") or {}
            if not item or float(item["expiration"]["N"]) <= self._clock():
                return None
            data = json.loads(item["found"]["S"])
            return Found(
                kind=kind,
                id=ident,
                name=data.get("name"),
                details=tuple((str(k), str(v)) for k, v in data.get("details", [])),
                deleted=bool(data.get("deleted")),
                role_ids=tuple(str(r) for r in data.get("role_ids", [])),
            )
        except Exception:  # a cache: unreadable means a miss, never a failed alert
            return None

    def put(self, found: Found) -> None:
        """Keep `found` for the TTL; errors are ignored."""
        if self.ttl <= 0:
            return
        data = {k: v for k, v in asdict(found).items() if k not in ("kind", "id")}
        item = {
            **self._key(found.kind, found.id),
            "expiration": {"N": str(int(self._clock()) + self.ttl)},
            "found": {"S": json.dumps(data)},
        }
        with contextlib.suppress(Exception):  # a failed cache write costs a lookup later, nothing else
            self._client().put_item(TableName=self.table, Item=item)
