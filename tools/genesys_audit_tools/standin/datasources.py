"""Data sources answered with realistic values; anything else gets typed placeholders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from genesys_audit_tools.standin import archive, iam
from genesys_audit_tools.standin.planning import fill_known

DEFAULT_ACCOUNT_ID = "123456789012"

# (region prefix, partition, DNS suffix, reverse DNS prefix), most specific first.
_PARTITIONS = (
    ("us-gov-", "aws-us-gov", "amazonaws.com", "com.amazonaws"),
    ("cn-", "aws-cn", "amazonaws.com.cn", "cn.com.amazonaws"),
    ("us-isob-", "aws-iso-b", "sc2s.sgov.gov", "gov.sgov.sc2s"),
    ("us-iso-", "aws-iso", "c2s.ic.gov", "gov.ic.c2s"),
    ("eu-isoe-", "aws-iso-e", "cloud.adc-e.uk", "uk.adc-e.cloud"),
    ("", "aws", "amazonaws.com", "com.amazonaws"),
)


@dataclass(frozen=True)
class ProviderContext:
    """What ConfigureProvider told us."""

    region: str | None
    account_id: str
    default_tags: dict[str, str]

    def partition(self, region: str | None = None) -> tuple[str, str, str]:
        """(partition, dns_suffix, reverse_dns_prefix) of a region."""
        region = region or self.region or ""
        for prefix, name, dns, reverse in _PARTITIONS:
            if region.startswith(prefix):
                return name, dns, reverse
        raise AssertionError("unreachable: the last prefix matches everything")


Reader = Callable[[ProviderContext, dict[str, Any]], dict[str, Any]]


def _caller_identity(ctx: ProviderContext, config: dict[str, Any]) -> dict[str, Any]:
    partition = ctx.partition()[0]
    return {
        "account_id": ctx.account_id,
        "arn": f"arn:{partition}:iam::{ctx.account_id}:user/genesys-audit-standin",
        "user_id": "AIDASTANDINEXAMPLE0001",
        "id": ctx.account_id,
    }


def _region(ctx: ProviderContext, config: dict[str, Any]) -> dict[str, Any]:
    region = config.get("region") or config.get("name") or ctx.region
    dns = ctx.partition(region)[1]
    return {
        "region": region,
        "name": region,
        "id": region,
        "endpoint": f"ec2.{region}.{dns}",
        "description": f"stand-in description of {region}",
    }


def _partition(ctx: ProviderContext, config: dict[str, Any]) -> dict[str, Any]:
    name, dns, reverse = ctx.partition()
    return {"partition": name, "dns_suffix": dns, "reverse_dns_prefix": reverse, "id": name}


def _policy_document(ctx: ProviderContext, config: dict[str, Any]) -> dict[str, Any]:
    return iam.render(config)


def _event_source(ctx: ProviderContext, config: dict[str, Any]) -> dict[str, Any]:
    name = config.get("name_prefix") or "aws.partner/example.com/standin"
    region = config.get("region") or ctx.region
    partition = ctx.partition(region)[0]
    return {
        "name": name,
        "id": name,
        "arn": f"arn:{partition}:events:{region}::event-source/{name}",
        "created_by": name.split("/")[1] if name.count("/") >= 1 else "standin",
        "state": "ACTIVE",
        "region": region,
    }


def _archive_file(ctx: ProviderContext, config: dict[str, Any]) -> dict[str, Any]:
    return archive.build(config)


READERS: dict[str, Reader] = {
    "aws_caller_identity": _caller_identity,
    "aws_region": _region,
    "aws_partition": _partition,
    "aws_iam_policy_document": _policy_document,
    "aws_cloudwatch_event_source": _event_source,
    "archive_file": _archive_file,
}


def read(
    ctx: ProviderContext, type_name: str, block: dict[str, Any], config: dict[str, Any]
) -> dict[str, Any]:
    """The state of data source `type_name` for `config` (config values win, computed ones are filled)."""
    state = dict(config)
    reader = READERS.get(type_name)
    if reader is not None:
        for key, value in reader(ctx, config).items():
            if key in block.get("attributes", {}) and config.get(key) is None:
                state[key] = value
    if "region" in block.get("attributes", {}) and state.get("region") is None:
        state["region"] = ctx.region
    return fill_known(block, state, f"standin-{type_name}")
