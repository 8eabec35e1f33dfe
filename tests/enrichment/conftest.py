"""Fixtures: the project's fake Genesys API on 127.0.0.1, serving the sample directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from genesys_audit.backfill.credentials import ClientCredentials
from genesys_audit.enrichment.client import GenesysReader
from genesys_audit.enrichment.resolve import Resolver
from genesys_audit_tools.simulate.fake_genesys import CLIENT_ID, CLIENT_SECRET, FakeGenesys, sample_directory, serve


@pytest.fixture
def genesys() -> Iterator[FakeGenesys]:
    with serve(FakeGenesys(directory=sample_directory())) as fake:
        yield fake


@pytest.fixture
def make_resolver(genesys: FakeGenesys) -> Callable[..., Resolver]:
    def make(*, secret: str = CLIENT_SECRET, ttl: float = 300, **reader: Any) -> Resolver:
        creds = ClientCredentials(CLIENT_ID, secret)
        return Resolver(GenesysReader(genesys.url, lambda: creds, **reader), ttl_seconds=ttl)

    return make
