"""Error types with their HTTP status codes, mapped in one place."""

from __future__ import annotations

from typing import Any


class GenesysAuditError(Exception):
    """Base error: carries an HTTP status code and optional details for the response body."""

    status_code: int = 500

    def __init__(self, message: str, *, details: Any = None, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if status_code is not None:
            self.status_code = status_code

    def to_body(self) -> dict[str, Any]:
        """Response body `{"message": ..., "details"?: ...}`."""
        body: dict[str, Any] = {"message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class BadRequest(GenesysAuditError):
    """Malformed JSON or a wrong shape (400)."""

    status_code = 400


class Unauthorized(GenesysAuditError):
    """Signature, secret or timestamp check failed (401); the message never says which."""

    status_code = 401

    def __init__(self, message: str = "Unauthorized", *, details: Any = None) -> None:
        super().__init__(message, details=details)


class Conflict(GenesysAuditError):
    """The request was already received (a replay of a signed request within its window) (409)."""

    status_code = 409


class PayloadTooLarge(GenesysAuditError):
    """Body or a single entry over a size limit (413)."""

    status_code = 413


class UnsupportedMediaType(GenesysAuditError):
    """Content type other than JSON (415)."""

    status_code = 415


class UpstreamFailure(GenesysAuditError):
    """AWS did not accept every entry (502, or 503 when throttled): the sender must retry."""

    status_code = 502


class ConfigError(GenesysAuditError):
    """A missing or invalid setting, raised at cold start; the message names the variable."""

    status_code = 500
