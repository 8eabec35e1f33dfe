"""OAuth client credentials for the Genesys API: Secrets Manager (Lambda) or the environment (CLI)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from genesys_audit.backfill.errors import BackfillInputError

ENV_CLIENT_ID = "GENESYS_CLIENT_ID"
ENV_CLIENT_SECRET = "GENESYS_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret


@dataclass(frozen=True)
class ClientCredentials:
    """A client-credentials OAuth client; the secret never appears in repr or logs."""

    client_id: str
    client_secret: str = field(repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ClientCredentials:
        """GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET."""
        env = os.environ if env is None else env
        client_id = (env.get(ENV_CLIENT_ID) or "").strip()
        secret = (env.get(ENV_CLIENT_SECRET) or "").strip()
        missing = [name for name, value in ((ENV_CLIENT_ID, client_id), (ENV_CLIENT_SECRET, secret)) if not value]
        if missing:
            raise BackfillInputError(
                f"{' and '.join(missing)} not set: export the id and secret of a client-credentials OAuth client "
                "whose role grants audits:audit:view"
            )
        return cls(client_id, secret)

    @classmethod
    def from_secret_string(cls, text: str, *, secret_id: str = "the secret") -> ClientCredentials:  # noqa: S107 - a label
        """Parse `{"client_id": ..., "client_secret": ...}` (also clientId/clientSecret)."""
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise BackfillInputError(f"{secret_id} must be JSON {{\"client_id\": ..., \"client_secret\": ...}}")
        client_id = data.get("client_id") or data.get("clientId")
        secret = data.get("client_secret") or data.get("clientSecret")
        if not isinstance(client_id, str) or not client_id or not isinstance(secret, str) or not secret:
            raise BackfillInputError(f"{secret_id} needs non-empty \"client_id\" and \"client_secret\" strings")
        return cls(client_id, secret)

    @classmethod
    def from_secrets_manager(cls, secret_id: str, *, max_age: int = 300) -> ClientCredentials:
        """Read the JSON secret through the cached Powertools provider."""
        from genesys_audit.secrets import get_secret_string

        return cls.from_secret_string(get_secret_string(secret_id, max_age=max_age), secret_id=secret_id)
