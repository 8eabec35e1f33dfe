"""cty values over msgpack, the way Terraform encodes DynamicValue."""

from __future__ import annotations

from typing import Any

import msgpack


class _Unknown:
    """The single unknown value (cty encodes it as a msgpack extension)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()

# cty writes an unknown as fixext1 type 0 (refined unknowns use other extension codes):
# any extension decodes as unknown, and we always write the plain form.
_UNKNOWN_EXT = msgpack.ExtType(0, b"\x00")


def _ext_hook(code: int, data: bytes) -> _Unknown:
    return UNKNOWN


def _default(obj: object) -> object:
    if obj is UNKNOWN:
        return _UNKNOWN_EXT
    raise TypeError(f"cannot encode {type(obj).__name__} as a cty value")


def decode(data: bytes) -> Any:
    """Decode a msgpack DynamicValue; unknowns become UNKNOWN."""
    if not data:
        return None
    return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False)


def encode(value: Any) -> bytes:
    """Encode a value (with UNKNOWN markers) as a msgpack DynamicValue."""
    packed: bytes = msgpack.packb(value, default=_default, use_bin_type=True)
    return packed


def is_known(value: Any) -> bool:
    """Whether a value is wholly known (no UNKNOWN anywhere inside)."""
    if value is UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True
