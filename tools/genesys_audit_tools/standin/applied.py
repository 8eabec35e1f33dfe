"""Values AWS would assign at apply time, synthesised from names (for `genesys-audit simulate`).

In "as applied" mode the stand-in fills computed identifiers (ARNs, ids, URLs) with the values AWS
would give the resources, built from their names, the region and the account. Resources created
under the same names in moto (whose default account is 123456789012, the stand-in's default) get
exactly these ARNs, so a plan made in this mode describes the embedded AWS the simulator builds.
Types not listed keep unknown computed values.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from genesys_audit_tools.standin.codec import UNKNOWN
from genesys_audit_tools.standin.datasources import ProviderContext

_NAMESPACE = uuid.UUID("0b4f2d4e-6a59-4d2c-9d55-6c1f0e8a7b31")

Synth = Callable[[dict[str, Any], str, str, str], dict[str, Any]]


def _known(value: Any) -> bool:
    return value is not None and value is not UNKNOWN


def _name(values: dict[str, Any], key: str = "name") -> str | None:
    value = values.get(key)
    return value if isinstance(value, str) else None


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _event_bus(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    return {"arn": f"arn:{p}:events:{r}:{a}:event-bus/{name}", "id": name} if name else {}


def _event_rule(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name, bus = _name(v), _name(v, "event_bus_name") or "default"
    if not name:
        return {}
    path = name if bus == "default" else f"{bus}/{name}"
    return {"arn": f"arn:{p}:events:{r}:{a}:rule/{path}", "id": path}


def _event_target(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    rule, bus = _name(v, "rule"), _name(v, "event_bus_name") or "default"
    target = _name(v, "target_id") or (_stable_id(r, bus, rule or "") if rule else None)
    return {"target_id": target, "id": f"{bus}-{rule}-{target}"} if rule and target else {}


def _archive(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    return {"arn": f"arn:{p}:events:{r}:{a}:archive/{name}", "id": name} if name else {}


def _sqs(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    if not name:
        return {}
    url = f"https://sqs.{r}.amazonaws.com/{a}/{name}"
    return {"arn": f"arn:{p}:sqs:{r}:{a}:{name}", "id": url, "url": url}


def _sns(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    arn = f"arn:{p}:sns:{r}:{a}:{name}"
    return {"arn": arn, "id": arn} if name else {}


def _log_group(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    return {"arn": f"arn:{p}:logs:{r}:{a}:log-group:{name}", "id": name} if name else {}


def _lambda(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v, "function_name")
    if not name:
        return {}
    arn = f"arn:{p}:lambda:{r}:{a}:function:{name}"
    return {
        "arn": arn,
        "id": name,
        "qualified_arn": f"{arn}:$LATEST",
        "invoke_arn": f"arn:{p}:apigateway:{r}:lambda:path/2015-03-31/functions/{arn}/invocations",
        "version": "$LATEST",
    }


def _iam_role(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name, path = _name(v), _name(v, "path") or "/"
    return (
        {"arn": f"arn:{p}:iam::{a}:role{path}{name}", "id": name, "unique_id": "AROA" + name.upper()[:17]}
        if name
        else {}
    )


def _iam_policy(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name, path = _name(v), _name(v, "path") or "/"
    arn = f"arn:{p}:iam::{a}:policy{path}{name}"
    return {"arn": arn, "id": arn} if name else {}


def _kms_key(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    key_id = _stable_id(r, _name(v, "description") or "key")
    return {"arn": f"arn:{p}:kms:{r}:{a}:key/{key_id}", "key_id": key_id, "id": key_id}


def _kms_alias(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    return {"arn": f"arn:{p}:kms:{r}:{a}:{name}", "id": name} if name else {}


def _dynamodb(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    return {"arn": f"arn:{p}:dynamodb:{r}:{a}:table/{name}", "id": name} if name else {}


def _firehose(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    arn = f"arn:{p}:firehose:{r}:{a}:deliverystream/{name}"
    return {"arn": arn, "id": arn} if name else {}


def _bucket(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v, "bucket")
    return (
        {
            "arn": f"arn:{p}:s3:::{name}",
            "id": name,
            "bucket_regional_domain_name": f"{name}.s3.{r}.amazonaws.com",
        }
        if name
        else {}
    )


def _secret(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v)
    arn = f"arn:{p}:secretsmanager:{r}:{a}:secret:{name}-{_stable_id(name or '')[:6]}"
    return {"arn": arn, "id": arn} if name else {}


def _alarm(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    name = _name(v, "alarm_name")
    return {"arn": f"arn:{p}:cloudwatch:{r}:{a}:alarm:{name}", "id": name} if name else {}


def _http_api(v: dict[str, Any], p: str, r: str, a: str) -> dict[str, Any]:
    api_id = _stable_id(r, _name(v) or "api")[:10]
    return {
        "id": api_id,
        "api_endpoint": f"https://{api_id}.execute-api.{r}.amazonaws.com",
        "execution_arn": f"arn:{p}:execute-api:{r}:{a}:{api_id}",
        "arn": f"arn:{p}:apigateway:{r}::/apis/{api_id}",
    }


SYNTHESISERS: dict[str, Synth] = {
    "aws_cloudwatch_event_bus": _event_bus,
    "aws_cloudwatch_event_rule": _event_rule,
    "aws_cloudwatch_event_target": _event_target,
    "aws_cloudwatch_event_archive": _archive,
    "aws_sqs_queue": _sqs,
    "aws_sns_topic": _sns,
    "aws_cloudwatch_log_group": _log_group,
    "aws_lambda_function": _lambda,
    "aws_iam_role": _iam_role,
    "aws_iam_policy": _iam_policy,
    "aws_kms_key": _kms_key,
    "aws_kms_alias": _kms_alias,
    "aws_dynamodb_table": _dynamodb,
    "aws_kinesis_firehose_delivery_stream": _firehose,
    "aws_s3_bucket": _bucket,
    "aws_secretsmanager_secret": _secret,
    "aws_cloudwatch_metric_alarm": _alarm,
    "aws_apigatewayv2_api": _http_api,
}


def fill(type_name: str, planned: dict[str, Any], ctx: ProviderContext) -> dict[str, Any]:
    """Replace unknown computed identifiers of `planned` by the values AWS would assign."""
    synth = SYNTHESISERS.get(type_name)
    if synth is None:
        return planned
    region = planned.get("region") if isinstance(planned.get("region"), str) else ctx.region
    if not region:
        return planned
    partition = ctx.partition(region)[0]
    out = dict(planned)
    for key, value in synth(planned, partition, region, ctx.account_id).items():
        if key in out and out[key] is UNKNOWN and _known(value):
            out[key] = value
    return out
