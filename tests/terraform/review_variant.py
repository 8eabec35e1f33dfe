"""A copy of the repository whose examples/complete differs from the real one the way a pull request would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# (old text, new text) in examples/complete/main.tf: each must occur exactly once.
EDITS: tuple[tuple[str, str], ...] = (
    # a catalog rule disabled
    ("  catalog = {\n", '  catalog = {\n    disabled = ["webhook-change"]\n'),
    # a custom rule added
    (
        '  custom_rules = {\n',
        '  custom_rules = {\n'
        '    "integration-delete" = {\n'
        '      title    = "Integration deleted"\n'
        '      severity = "CRITICAL"\n'
        '      event_pattern = jsonencode({\n'
        '        "detail-type" = ["v2.audits.entitytype.{id}.entityid.{id}"]\n'
        '        detail        = { eventBody = { entityType = ["Integration"], action = ["Delete"] } }\n'
        '      })\n'
        '      destinations = ["queue"]\n'
        '    }\n',
    ),
    # an exclusion added
    (
        '"f0f0f0f0-aaaa-4aaa-8aaa-00000000a070"]',
        '"f0f0f0f0-aaaa-4aaa-8aaa-00000000a070", "0b0b0b0b-1111-4111-8111-0000000000b0"]',
    ),
    # the trail's retention changed (in place)
    ("trail = { retention_in_days = 731 }", "trail = { retention_in_days = 3653 }"),
    # the archive removed (destroyed: loses the replay history)
    ("archive = { enabled = true, retention_days = 400 }", "archive = { enabled = false }"),
    # the Splunk backup bucket renamed (replaced: loses its objects)
    (
        '    hec_token_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/splunk-hec-AbCdEf"\n',
        '    hec_token_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:genesys-audit/splunk-hec-AbCdEf"\n'
        '    backup_bucket_name   = "genesys-audit-splunk-backup-renamed"\n',
    ),
)


def make(root: Path) -> Path:
    """Write the variant repository under `root`; return its examples/complete."""
    for name in ("modules", "lambda_src", "examples/complete"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".terraform*"))
    for path in [*REPO.glob("*.tf"), REPO / "residency.json"]:
        shutil.copy(path, root / path.name)
    main = root / "examples" / "complete" / "main.tf"
    text = main.read_text()
    for old, new in EDITS:
        assert text.count(old) == 1, f"examples/complete/main.tf no longer contains exactly one {old!r}"
        text = text.replace(old, new)
    main.write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root / "examples" / "complete"


if __name__ == "__main__":
    import sys

    print(make(Path(sys.argv[1])))
