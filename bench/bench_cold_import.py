"""Cold import of each Lambda handler relative to `import boto3`, each in a fresh interpreter.

Run: .venv/bin/python bench/bench_cold_import.py [--rounds N]   (prints ratios; nothing here is asserted)
Target: every handler <= 1.25x `import boto3`. For scale it also measures the naive handler
import: boto3 plus Powertools' Logger, Metrics, Tracer, HTTP resolver, idempotency and batch utilities at
module level. Rounds interleave the candidates so machine noise hits them alike; the median is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
    "EVENT_BUS_NAME": "genesys-audit-bench",
    "WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:bench",
    "ALERT_TOPIC_ARN": "arn:aws:sns:eu-central-1:123456789012:genesys-audit-alert",
    "IDEMPOTENCY_TABLE": "genesys-audit-bench-idempotency",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "PYTHONPATH": str(ROOT / "lambda_src"),
    "PYTHONDONTWRITEBYTECODE": "",
}
CANDIDATES = {
    "import boto3 (baseline)": "import boto3",
    "ingestion.handler": "import ingestion.handler",
    "alert.handler": "import alert.handler",
    "consumer.handler": "import consumer.handler",
    "alert.handler, name enrichment on": (
        "import os\n"
        "os.environ.update(GENESYS_ENRICHMENT_ENABLED='true', GENESYS_REGION='mypurecloud.ie',\n"
        "    GENESYS_CREDENTIALS_SECRET_ARN='arn:aws:secretsmanager:eu-central-1:123456789012:secret:bench')\n"
        "import alert.handler"
    ),
    "naive: boto3 + Powertools at module level": (
        "import boto3\n"
        "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
        "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"
        "from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent_function\n"
        "from aws_lambda_powertools.utilities.batch import BatchProcessor"
    ),
}


def once(code: str) -> float:
    """Seconds to run `code` in a fresh interpreter, minus the interpreter's own start-up."""
    env = {**os.environ, **ENV}
    timer = f"import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"
    out = subprocess.run([sys.executable, "-c", timer], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    for code in CANDIDATES.values():  # warm the OS page cache and write bytecode once
        once(code)
    samples: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    started = time.perf_counter()
    for _ in range(args.rounds):
        for name, code in CANDIDATES.items():
            samples[name].append(once(code))
    base = statistics.median(samples["import boto3 (baseline)"])
    elapsed = time.perf_counter() - started
    print(f"Cold import, median of {args.rounds} interleaved fresh interpreters ({elapsed:.0f} s)")
    print(f"{'module':<46} {'ms':>8} {'x boto3':>8}  target <= 1.25x")
    for name, values in samples.items():
        median = statistics.median(values)
        ratio = median / base
        verdict = "" if name.startswith(("import boto3", "naive")) else ("ok" if ratio <= 1.25 else "OVER")
        print(f"{name:<46} {median * 1000:>8.1f} {ratio:>7.2f}x  {verdict}")


if __name__ == "__main__":
    main()
