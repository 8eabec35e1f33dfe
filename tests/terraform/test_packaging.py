"""modules/lambda-function's package planned offline: one reproducible zip per handler, Powertools from a layer."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from genesys_audit_tools import harness, lambdazip
from genesys_audit_tools.standin import archive as standin_archive

pytestmark = [pytest.mark.terraform, pytest.mark.xdist_group("terraform-modules")]

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "packaging"
FIXTURE_REL = FIXTURE.relative_to(REPO)
REGION = "eu-west-1"
POWERTOOLS = f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312"
HANDLERS = ("alert", "ingestion", "consumer", "backfill", "threshold")


@pytest.fixture(scope="module")
def plan(tf_plan):
    return tf_plan(FIXTURE)


def _scratch_tree(root: Path, lambda_src: Path) -> Path:
    """lambda_src/, modules/lambda-function/ (with the sqs-queue module it calls) and the fixture at their
    repository paths, in a git work tree.

    The harness copies the git top level of what it plans, so the fixture's ../../../../ paths resolve
    the same way here as in the repository.
    """
    for module in ("lambda-function", "sqs-queue"):
        shutil.copytree(REPO / "modules" / module, root / "modules" / module)
    shutil.copytree(FIXTURE, root / FIXTURE_REL)
    shutil.copytree(lambda_src, root / "lambda_src", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root / FIXTURE_REL


def _plan(path: Path) -> harness.Plan:
    """A fresh (uncached) plan."""
    outcome = harness.try_plan(path)
    assert outcome.ok and outcome.plan is not None, outcome.output
    return outcome.plan


def _hashes(plan: harness.Plan) -> dict[str, str]:
    return {
        d.address.split('"')[1]: d.values["output_base64sha256"]
        for d in plan.data_sources("archive_file") if d.address.startswith("module.function[")
    }


def _zip(plan: harness.Plan, fixture_dir: Path, handler: str, tmp_path: Path) -> Path:
    """Rebuild a planned zip from its planned inputs and prove it is the planned one."""
    data = next(d for d in plan.data_sources("archive_file") if d.address.startswith(f'module.function["{handler}"].'))
    out = tmp_path / f"{handler}.zip"
    rebuilt = standin_archive.build(
        {
            "type": "zip",
            "source_dir": str((fixture_dir / data.values["source_dir"]).resolve()),
            "excludes": data.values["excludes"],
            "output_file_mode": data.values["output_file_mode"],
            "output_path": str(out),
        }
    )
    assert rebuilt["output_base64sha256"] == data.values["output_base64sha256"]
    assert (
        base64.b64encode(hashlib.sha256(out.read_bytes()).digest()).decode() == rebuilt["output_base64sha256"]
    )
    return out


def _zip_names(plan: harness.Plan, fixture_dir: Path, handler: str, tmp_path: Path) -> list[str]:
    """The names in a planned zip."""
    return zipfile.ZipFile(_zip(plan, fixture_dir, handler, tmp_path)).namelist()


def _function(plan: harness.Plan, handler: str) -> dict:
    return plan.resource(f'module.function["{handler}"].aws_lambda_function.this[0]').values


def test_layers_public_powertools_by_region_and_architecture_or_user_built(plan):
    assert _function(plan, "alert")["layers"] == [f"{POWERTOOLS}-x86_64:27"]
    assert _function(plan, "ingestion")["layers"] == [f"{POWERTOOLS}-arm64:27"]
    assert _function(plan, "ingestion")["architectures"] == ["arm64"]
    assert _function(plan, "consumer")["layers"] == [
        f"arn:aws:lambda:{REGION}:123456789012:layer:powertools-built-here:3",
        f"arn:aws:lambda:{REGION}:123456789012:layer:extra:1",
    ]
    assert _function(plan, "backfill")["layers"] == [
        f"{POWERTOOLS}-x86_64:27", f"arn:aws:lambda:{REGION}:123456789012:layer:genesys-sdk:1",
    ]


def test_function_takes_handler_hash_and_layers_from_the_package(plan):
    fn = _function(plan, "alert")
    archive = plan.data_sources("archive_file")
    alert = next(d for d in archive if d.address.startswith('module.function["alert"].'))
    assert fn["source_code_hash"] == alert.values["output_base64sha256"]
    assert fn["filename"] == alert.values["output_path"]
    assert fn["filename"].endswith(f"/.build/lambda/pkg-alert-{REGION}.zip")
    assert fn["handler"] == "alert.handler.handler"
    assert fn["runtime"] == "python3.12"


def test_create_false_builds_nothing(plan):
    assert plan.outputs["disabled"] == {"function_name": None, "source_code_hash": None}
    assert [d.address for d in plan.data_sources() if d.address.startswith("module.disabled")] == []
    assert [r.address for r in plan.resources() if r.address.startswith("module.disabled")] == []


def test_the_repository_zips_carry_only_our_code(plan, tmp_path):
    for handler in HANDLERS:
        names = _zip_names(plan, FIXTURE, handler, tmp_path)
        assert "genesys_audit/__init__.py" in names
        assert all(n.startswith((f"{handler}/", "genesys_audit/")) for n in names), names
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names), names


def test_the_zip_manifest_is_current():
    committed = (REPO / "lambda_src" / lambdazip.MANIFEST).read_text()
    assert committed == lambdazip.render(), "stale: run `.venv/bin/python -m genesys_audit_tools.lambdazip`"
    assert set(json.loads(committed)) == {p.parent.name for p in (REPO / "lambda_src").glob("*/handler.py")}


def test_the_manifest_follows_lazy_and_relative_imports_and_skips_type_checking_ones(tmp_path):
    files = {
        "lib/__init__.py": "",
        "lib/sub/__init__.py": "from . import leaf\n",
        "lib/sub/leaf.py": "from ..base import X\n",
        "lib/base.py": "X = 1\n",
        "lib/lazy.py": "",
        "lib/typed.py": "",
        "lib/unused.py": "",
        "app/handler.py": (
            "from typing import TYPE_CHECKING\nimport lib.sub\nif TYPE_CHECKING:\n    import lib.typed\n"
            "def handler(event, context):\n    from lib import lazy\n    return lazy\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert lambdazip.manifest(tmp_path) == {
        "app": ["app/handler.py", "lib/__init__.py", "lib/base.py", "lib/lazy.py", "lib/sub/__init__.py",
                "lib/sub/leaf.py"]
    }


# What each function finds at run time besides its zip: the Lambda Python runtime's boto3, the Powertools
# layer, and for the backfill the Genesys SDK layer (each with what it depends on).
RUNTIME = ("boto3",)
LAYERS = {handler: ("aws_lambda_powertools",) for handler in HANDLERS} | {
    "backfill": ("aws_lambda_powertools", "PureCloudPlatformClientV2")
}
SETTINGS_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "ALERT_TOPIC_ARN": f"arn:aws:sns:{REGION}:123456789012:alerts",
    "IDEMPOTENCY_TABLE": "idempotency",
    "EVENT_BUS_NAME": "genesys-audit",
    "WEBHOOK_SECRET_ARN": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:webhook",
    "GENESYS_REGION": "mypurecloud.ie",
    "GENESYS_CREDENTIALS_SECRET_ARN": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:genesys",
    "CHECKPOINT_PARAMETER_NAME": "/genesys-audit/backfill/checkpoint",
    "THRESHOLD_TABLE_NAME": "genesys-audit-threshold",
}


def _site(directory: Path, distributions: tuple[str, ...]) -> Path:
    """A directory holding only these installed distributions and their requirements (a layer's python/)."""
    directory.mkdir()
    pending, seen = list(distributions), set()
    while pending:
        dist = metadata.distribution(pending.pop())
        if dist.metadata["Name"].lower() in seen:
            continue
        seen.add(dist.metadata["Name"].lower())
        for requirement in map(Requirement, dist.requires or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
        for top in {f.parts[0] for f in dist.files or []}:
            if top != ".." and not top.endswith((".dist-info", ".data")) and top != "__pycache__":
                target = Path(str(dist.locate_file(top)))
                if target.exists() and not (directory / top).exists():
                    (directory / top).symlink_to(target)
    return directory


@pytest.mark.parametrize("handler", HANDLERS)
def test_each_zip_imports_with_only_the_runtime_and_its_layers(plan, tmp_path, handler):
    archive = zipfile.ZipFile(_zip(plan, FIXTURE, handler, tmp_path))
    names = sorted(archive.namelist())
    assert names == json.loads((REPO / "lambda_src" / lambdazip.MANIFEST).read_text())[handler]
    assert "genesys_audit/eventpattern.py" not in names and f"{handler}/handler.py" in names
    task = tmp_path / "task"
    archive.extractall(task)
    path = [str(task)] + [str(_site(tmp_path / d, (d,))) for d in (*LAYERS[handler], *RUNTIME)]
    modules = [n.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for n in names]
    # -I -S: no site-packages, no PYTHONPATH, no user site; only the standard library and `path`.
    code = (
        "import importlib, json, sys\n"
        f"sys.path[:0] = {path!r}\n"
        f"importlib.import_module({handler + '.handler'!r})\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m.__name__ for m in list(sys.modules.values()) "
        f"if m.__name__.split('.')[0] in {('genesys_audit', *HANDLERS)!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], env={"PATH": os.environ.get("PATH", ""), **SETTINGS_ENV},
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert f"{handler}.handler" in loaded and set(loaded) <= set(modules) | {handler}


def test_each_zip_holds_its_handler_and_the_library_and_nothing_else(tmp_path):
    src = tmp_path / "lambda_src"
    files = {
        "genesys_audit/__init__.py": "",
        "genesys_audit/formatting.py": "X = 1\n",
        "alert/__init__.py": "",
        "alert/handler.py": "def handler(event, context):\n    return event\n",
        "ingestion/handler.py": "def handler(event, context):\n    return 1\n",
        "consumer/handler.py": "def handler(event, context):\n    return 2\n",
        "README.md": "not shipped\n",
        ".python-version": "3.12\n",
    }
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    fixture = _scratch_tree(tmp_path / "tree", src)
    # Byte-code caches, as a local test run leaves them. The harness never copies __pycache__ into the
    # planned tree, but `terraform plan` in a checkout sees them: _zip_names rebuilds from this tree,
    # caches included, and must reproduce the planned hash, so the excludes are what keeps them out.
    for name in (
        "genesys_audit/__pycache__/formatting.cpython-312.pyc",
        "alert/__pycache__/handler.cpython-312.pyc",
    ):
        target = tmp_path / "tree" / "lambda_src" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("junk")
    plan = _plan(fixture)
    library = ["genesys_audit/__init__.py", "genesys_audit/formatting.py"]
    assert sorted(_zip_names(plan, fixture, "alert", tmp_path)) == [
        "alert/__init__.py",
        "alert/handler.py",
        *library,
    ]
    assert sorted(_zip_names(plan, fixture, "ingestion", tmp_path)) == sorted(
        ["ingestion/handler.py", *library]
    )
    assert sorted(_zip_names(plan, fixture, "consumer", tmp_path)) == sorted(
        ["consumer/handler.py", *library]
    )


def test_hash_is_stable_across_plans_and_changes_only_with_the_code(plan, tmp_path):
    fixture = _scratch_tree(tmp_path / "tree", REPO / "lambda_src")
    first = _hashes(_plan(fixture))
    # Same content as the repository: same hashes, wherever the tree lives.
    assert first == _hashes(plan)

    # New mtimes and other permissions (as after a checkout elsewhere) change nothing.
    later = time.time() + 3600
    for path in (tmp_path / "tree" / "lambda_src").rglob("*"):
        os.utime(path, (later, later))
        if path.is_file():
            path.chmod(0o600)
    assert _hashes(_plan(fixture)) == first

    # Changing the alert handler changes the alert zip, and only that one.
    handler = tmp_path / "tree" / "lambda_src" / "alert" / "handler.py"
    handler.parent.mkdir(parents=True, exist_ok=True)
    handler.write_text((handler.read_text() if handler.exists() else "") + "\n# changed by test_packaging\n")
    changed_plan = _plan(fixture)
    changed = _hashes(changed_plan)
    assert changed["alert"] != first["alert"]
    assert {k: v for k, v in changed.items() if k != "alert"} == {
        k: v for k, v in first.items() if k != "alert"
    }
    assert _function(changed_plan, "alert")["source_code_hash"] == changed["alert"]


# -- every validation, in one plan -----------------------------------------------------------------

VALID = {
    "name": '"pkg"', "description": '"d"', "handler_package": '"alert"', "region": '"eu-west-1"',
    "account_id": '"123456789012"', "policy_json": '"{}"',
    "kms_key_arn": '"arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"',
}
INVALID = {
    "name": ('"pkg/alert"', "name must be a Lambda function name: 1-64 letters, digits, '-' or '_'"),
    "handler_package": ('"alert-handler"', "handler_package must be a Python package name"),
    "region": ('"EU"', 'region must be an AWS region code such as "eu-west-1"; got "EU"'),
    "runtime": ('"python3.9"', "runtime must be one of python3.11, python3.12, python3.13"),
    "package": (
        '{ architecture = "sparc", powertools_layer_version = 0, powertools_layer_arn = "powertools", '
        'extra_layers = ["layer"] }',
        'package.architecture must be "x86_64" or "arm64"; got "sparc"',
    ),
}
ALSO_REPORTED = [
    "package.powertools_layer_version must be a positive whole number",
    "package.powertools_layer_arn must be a versioned layer ARN",
    "package.extra_layers must hold versioned layer ARNs",
]


def test_every_validation_names_the_fix(tf_module_refusals):
    output = tf_module_refusals("lambda-function", VALID, {k: value for k, (value, _) in INVALID.items()})
    for variable, (_, message) in INVALID.items():
        assert message in output, f"{variable}: {message!r} not reported"
    for message in ALSO_REPORTED:
        assert message in output


def test_a_partition_without_a_known_powertools_publisher_asks_for_the_layer(tf_module_refusals):
    output = tf_module_refusals("lambda-function", VALID, {"partition": '"aws-us-gov"'})
    assert 'No public Powertools layer is known for partition "aws-us-gov"' in output
    assert "package.powertools_layer_arn here" in output


def test_checkov_skips_in_our_modules_sit_in_a_block_and_give_a_reason():
    """`make checkov` must report 0 failed; each skip explains itself where it applies."""
    skips = 0
    for module in ("lambda-function", "alerting", "webhook-ingestion", "splunk-firehose"):
        for tf in (REPO / "modules" / module).glob("*.tf"):
            for number, line in enumerate(tf.read_text().splitlines(), 1):
                if "checkov:skip" not in line:
                    continue
                skips += 1
                where = f"{tf.relative_to(REPO)}:{number}"
                assert line.startswith("  #checkov:skip=CKV"), f"{where}: skip outside a resource block"
                check, _, reason = line.strip().removeprefix("#checkov:skip=").partition(":")
                assert check.replace("_", "").isalnum() and len(reason.split()) >= 5, f"{where}: {line}"
    assert skips > 0
