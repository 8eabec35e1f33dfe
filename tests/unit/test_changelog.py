"""CHANGELOG.md: Keep a Changelog, and every `moved` block of the Terraform code has its entry."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MOVED = re.compile(r"^moved \{\s*from\s*=\s*(\S+)\s*to\s*=\s*(\S+)\s*\}", re.M)


def moved_blocks(root: Path) -> list[tuple[str, str]]:
    """(from, to) of every `moved` block in the Terraform code under `root` (root module and modules)."""
    files = [*root.glob("*.tf"), *root.glob("modules/*/*.tf")]
    return [(m[1], m[2]) for f in sorted(files) for m in MOVED.finditer(f.read_text())]


def unlisted(root: Path) -> list[str]:
    """The `moved` blocks CHANGELOG.md does not name (both addresses must appear in it)."""
    changelog = (root / "CHANGELOG.md").read_text()
    return [f"{a} -> {b}" for a, b in moved_blocks(root) if a not in changelog or b not in changelog]


def test_changelog_has_the_first_version_in_keep_a_changelog_form():
    text = (REPO / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/" in text
    assert re.search(r"^## \[0\.1\.0\] - Unreleased$", text, re.M)
    assert 'version = "0.1.0"' in (REPO / "pyproject.toml").read_text()


def test_every_moved_block_has_a_changelog_entry():
    assert unlisted(REPO) == [], "add the move under ### Changed in CHANGELOG.md"


def test_a_moved_block_without_an_entry_is_found(tmp_path):
    (tmp_path / "modules" / "m").mkdir(parents=True)
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n")
    (tmp_path / "modules" / "m" / "main.tf").write_text(
        'resource "aws_sqs_queue" "b" {}\n\nmoved {\n  from = aws_sqs_queue.a\n  to   = aws_sqs_queue.b\n}\n'
    )
    assert unlisted(tmp_path) == ["aws_sqs_queue.a -> aws_sqs_queue.b"]
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n- `aws_sqs_queue.a` is now `aws_sqs_queue.b`.\n")
    assert unlisted(tmp_path) == []
