"""Module READMEs' inputs/outputs tables are generated from the HCL and kept in sync."""

from __future__ import annotations

import json
import re
import shutil

from genesys_audit_tools import moddocs


def test_every_module_readme_is_current():
    stale = [str(r) for r in moddocs.readmes() if not moddocs.update(r, check=True)]
    assert stale == [], "run `.venv/bin/python -m genesys_audit_tools.moddocs`"
    assert len(moddocs.readmes()) >= 9


def test_the_root_readme_has_the_root_modules_table():
    """The root README carries the root module's inputs and outputs, checked like the modules'."""
    root = moddocs.REPO / "README.md"
    assert root in moddocs.readmes()
    variables, outputs = moddocs.read_module(moddocs.REPO)
    table = moddocs.render(variables, outputs)
    for name in ("webhook_url", "alert_topic_arn", "firehose_stream_arn", "bus_dlq_url", "custom_rules", "bus_type"):
        assert f"| `{name}` |" in table, name
    assert table in root.read_text()


def test_a_changed_variable_makes_the_readme_stale(tmp_path):
    module = tmp_path / "sqs-target"
    shutil.copytree(moddocs.REPO / "modules" / "sqs-target", module)
    readme = module / "README.md"
    assert moddocs.update(readme, check=True)
    variables = module / "variables.tf"
    variables.write_text(variables.read_text().replace("Long polling wait", "Long-poll wait"))
    assert not moddocs.update(readme, check=True)
    assert moddocs.update(readme, check=False) is False  # rewrites
    assert "| `receive_wait_time_seconds` | Long-poll wait (default 20 s, the maximum). | `number` | `20` | no |" in (
        readme.read_text()
    )
    assert moddocs.update(readme, check=True)


def test_required_inputs_come_first_and_heredocs_are_flattened():
    variables, outputs = moddocs.read_module(moddocs.REPO / "modules" / "audit-rules")
    table = moddocs.render(variables, outputs)
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert rows[0].endswith("| n/a | yes |")
    assert "Catalog choices: `disabled` keys, per-key `severity` overrides" in table


def test_the_catalog_table_and_controls_view_follow_catalog_json(tmp_path):
    module = tmp_path / "audit-rules"
    shutil.copytree(moddocs.REPO / "modules" / "audit-rules", module)
    readme, catalog = module / "README.md", module / "catalog.json"
    assert moddocs.update(readme, check=True)
    text = readme.read_text()
    assert "| `oauth-client-delete` | CRITICAL | access | OAuthClient; Delete |" in text
    assert "[oauth-client-delete](../../docs/runbooks.md#oauth-client-delete) |" in text
    assert "**ISO/IEC 27001:2022 Annex A**" in text
    assert re.search(r"^\| A\.8\.15 \|[^\n]*`oauth-client-delete`", text, re.M)
    doc = json.loads(catalog.read_text())
    rule = next(r for r in doc["rules"] if r["key"] == "oauth-client-delete")
    rule["controls"]["pci_dss_4"].append("10.2.1.3")
    rule["threshold"] = {"count": 5, "window_minutes": 10, "group_by": "actor"}
    catalog.write_text(json.dumps(doc, indent=2) + "\n")
    assert not moddocs.update(readme, check=True)
    assert moddocs.update(readme, check=False) is False  # rewrites
    text = readme.read_text()
    assert "| 10.2.1.3 | `oauth-client-delete` |" in text
    assert "| ≥ 5 / 10 min per actor |" in text
    assert moddocs.update(readme, check=True)


def test_controls_sort_naturally():
    assert sorted(["10.2.1.10", "10.2.1.2", "CC6.10", "CC6.2"], key=moddocs._natural) == [
        "10.2.1.2",
        "10.2.1.10",
        "CC6.2",
        "CC6.10",
    ]
