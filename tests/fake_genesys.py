"""The fake Genesys API lives with the simulator (`make demo` serves it too); the backfill tests import it here."""

from genesys_audit_tools.simulate.fake_genesys import (
    BUS,
    CLIENT_ID,
    CLIENT_SECRET,
    DETAIL_TYPE,
    NOW,
    ORG,
    SOURCE,
    TOKEN,
    Aws,
    FakeGenesys,
    Handler,
    hours_of_records,
    iso,
    rest_record,
    serve,
)

__all__ = [
    "BUS",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "DETAIL_TYPE",
    "NOW",
    "ORG",
    "SOURCE",
    "TOKEN",
    "Aws",
    "FakeGenesys",
    "Handler",
    "hours_of_records",
    "iso",
    "rest_record",
    "serve",
]
