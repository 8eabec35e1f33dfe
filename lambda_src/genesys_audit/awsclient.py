"""botocore clients built on first use (boto3's resource layer is never needed; the cold import stays lean)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any


def make_client(service: str, *, max_attempts: int = 3, connect_timeout: float = 2, read_timeout: float = 5) -> Any:
    """A botocore client for `service` in the function's region (what `boto3.client` returns)."""
    import botocore.config
    import botocore.session

    return botocore.session.get_session().create_client(
        service,
        region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        config=botocore.config.Config(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        ),
    )


def lazy_client(service: str, **config: Any) -> Callable[[], Any]:
    """A function returning the container's one client for `service` (make_client's `config`), created on
    its first call: an invocation that never needs the client never pays for it."""

    @functools.cache
    def client() -> Any:
        return make_client(service, **config)

    return client
