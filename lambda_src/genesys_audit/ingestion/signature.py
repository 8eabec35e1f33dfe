"""HMAC-SHA256 webhook signatures.

Signed message: the raw body, or `timestamp + "." + body` when a timestamp header is configured
(the timestamp is the header's exact text, Unix seconds or milliseconds). The signature header holds
`sha256=<hex>` or `sha256=<base64>` (the prefix is optional; several comma-separated values are allowed so
a sender can sign with two secrets while rotating). Every failure raises the same `Unauthorized`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
from collections.abc import Sequence

from genesys_audit.errors import Unauthorized

_DIGEST_LEN = 32
_MAX_SIGNATURES = 5


def sign(body: bytes, secret: str, timestamp: str | None = None) -> str:
    """The header value a sender would send: `sha256=<hex>`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), _message(body, timestamp), hashlib.sha256).hexdigest()


def _message(body: bytes, timestamp: str | None) -> bytes:
    return body if timestamp is None else timestamp.encode("utf-8") + b"." + body


def parse_signatures(header_value: str) -> list[bytes]:
    """Decode the header's digests (hex or base64); malformed parts are skipped."""
    digests: list[bytes] = []
    for part in header_value.split(",")[:_MAX_SIGNATURES]:
        value = part.strip()
        if value[:7].lower() == "sha256=":
            value = value[7:].strip()
        digest = _decode(value)
        if digest is not None:
            digests.append(digest)
    return digests


def _decode(value: str) -> bytes | None:
    if len(value) == 2 * _DIGEST_LEN:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decoder(value.encode("ascii") + b"=" * (-len(value) % 4))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            continue
        if len(raw) == _DIGEST_LEN:
            return raw
    return None


def check_timestamp(value: str | None, *, now: float, tolerance_seconds: int) -> None:
    """Raise Unauthorized unless `value` (Unix seconds or ms) is within `tolerance_seconds` of `now`."""
    if value is None:
        raise Unauthorized()
    try:
        ts = float(value.strip())
    except ValueError:
        raise Unauthorized() from None
    if not math.isfinite(ts):
        raise Unauthorized()
    if ts > 1e11:  # milliseconds
        ts /= 1000.0
    if abs(now - ts) > tolerance_seconds:
        raise Unauthorized()


def verify(
    body: bytes,
    header_value: str | None,
    secrets: Sequence[str],
    *,
    timestamp: str | None = None,
    use_timestamp: bool = False,
    now: float = 0.0,
    tolerance_seconds: int = 300,
) -> None:
    """Raise Unauthorized unless one of `secrets` signed `body` (and the timestamp, when used)."""
    if not header_value or not secrets:
        raise Unauthorized()
    if use_timestamp:
        check_timestamp(timestamp, now=now, tolerance_seconds=tolerance_seconds)
    digests = parse_signatures(header_value)
    if not digests:
        raise Unauthorized()
    message = _message(body, timestamp if use_timestamp else None)
    ok = False
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
        for digest in digests:
            # Evaluate every pair: no early exit that would time which secret matched.
            ok = hmac.compare_digest(expected, digest) or ok
    if not ok:
        raise Unauthorized()
