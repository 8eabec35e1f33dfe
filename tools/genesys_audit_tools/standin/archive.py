"""`archive_file` (hashicorp/archive) for zips: written at plan time, reproducibly, with its hashes."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import zipfile
from pathlib import Path
from typing import Any

# The real provider zeroes every entry's modification time so unchanged inputs give unchanged zips.
_EPOCH = (1980, 1, 1, 0, 0, 0)


class ArchiveError(ValueError):
    """The archive_file configuration cannot be honoured."""


def _excluded(relative: str, excludes: list[str]) -> bool:
    return any(relative == pattern or fnmatch.fnmatch(relative, pattern) for pattern in excludes)


def _entries(config: dict[str, Any]) -> list[tuple[str, bytes, int]]:
    excludes = [e.rstrip("/") for e in (config.get("excludes") or [])]
    entries: list[tuple[str, bytes, int]] = []
    if config.get("source_dir"):
        root = Path(config["source_dir"])
        if not root.is_dir():
            raise ArchiveError(f"source_dir {root} is not a directory")
        follow = bool(config.get("follow_symlinks"))
        for dirpath, dirnames, filenames in os.walk(root, followlinks=follow):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            dirnames[:] = sorted(
                d for d in dirnames if not _excluded(d if rel_dir == "." else f"{rel_dir}/{d}", excludes)
            )
            for filename in sorted(filenames):
                relative = filename if rel_dir == "." else f"{rel_dir}/{filename}"
                if _excluded(relative, excludes):
                    continue
                path = Path(dirpath) / filename
                entries.append((relative, path.read_bytes(), path.stat().st_mode & 0o777))
    elif config.get("source_file"):
        path = Path(config["source_file"])
        if not path.is_file():
            raise ArchiveError(f"source_file {path} does not exist")
        entries.append((path.name, path.read_bytes(), path.stat().st_mode & 0o777))
    elif config.get("source_content_filename"):
        entries.append(
            (config["source_content_filename"], (config.get("source_content") or "").encode(), 0o644)
        )
    elif config.get("source"):
        for block in config["source"]:
            entries.append((block["filename"], block["content"].encode(), 0o644))
    else:
        raise ArchiveError("one of source_dir, source_file, source_content_filename or source is required")
    return sorted(entries)


def build(config: dict[str, Any]) -> dict[str, Any]:
    """Write the zip and return the computed attributes."""
    if config.get("type") != "zip":
        raise ArchiveError(f"the stand-in writes zip archives only, got type {config.get('type')!r}")
    mode_override = config.get("output_file_mode")
    output = Path(config["output_path"])
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in _entries(config):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (int(mode_override, 8) if mode_override else mode) << 16
            zf.writestr(info, data)
    data = output.read_bytes()
    sha1 = hashlib.sha1(data).hexdigest()  # noqa: S324 - output_sha is SHA-1 in the real provider
    return {
        "output_size": len(data),
        "output_sha": sha1,
        "output_sha256": hashlib.sha256(data).hexdigest(),
        "output_base64sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        "output_sha512": hashlib.sha512(data).hexdigest(),
        "output_base64sha512": base64.b64encode(hashlib.sha512(data).digest()).decode(),
        "output_md5": hashlib.md5(data).hexdigest(),  # noqa: S324 - a checksum, as in the real provider
        "id": sha1,
    }
