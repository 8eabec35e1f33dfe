"""Backfill errors: each says what went wrong and what to do about it."""

from __future__ import annotations

from genesys_audit.errors import GenesysAuditError

AUDIT_SCOPE = "audits:audit:view"


class BackfillError(GenesysAuditError):
    """Base class of backfill and gap-detection failures."""

    status_code = 500


class BackfillInputError(BackfillError):
    """Bad arguments or settings (times, region, checkpoint mismatch)."""

    status_code = 400


class UnknownRegion(BackfillInputError):
    """The Genesys region is not one the SDK knows."""


class GenesysAuthError(BackfillError):
    """401 from Genesys: the OAuth client id/secret were refused (or the token expired)."""

    status_code = 401


class GenesysForbidden(BackfillError):
    """403 from Genesys: the OAuth client lacks the audit permission."""

    status_code = 403


class GenesysRateLimited(BackfillError):
    """429 from Genesys after the bounded number of retries."""

    status_code = 429


class GenesysApiError(BackfillError):
    """Any other failure of the Genesys API (5xx after retries, a failed async query, bad JSON)."""

    status_code = 502


class PutFailed(BackfillError):
    """EventBridge did not accept every entry of a page; the page is not checkpointed."""

    status_code = 502
