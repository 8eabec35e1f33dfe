"""Genesys Cloud regions and their API hosts, without importing the SDK.

The table mirrors `PureCloudPlatformClientV2.PureCloudRegionHosts` (a test keeps them equal); importing
the SDK package loads every model, which is what the Lambda cold path avoids.
"""

from __future__ import annotations

from urllib.parse import urlparse

from genesys_audit.backfill.errors import UnknownRegion

# AWS region -> Genesys region domain (the API host is `api.<domain>`, the login host `login.<domain>`).
GENESYS_REGIONS: dict[str, str] = {
    "us-east-1": "mypurecloud.com",
    "eu-west-1": "mypurecloud.ie",
    "ap-southeast-2": "mypurecloud.com.au",
    "ap-northeast-1": "mypurecloud.jp",
    "eu-central-1": "mypurecloud.de",
    "us-west-2": "usw2.pure.cloud",
    "ca-central-1": "cac1.pure.cloud",
    "ap-northeast-2": "apne2.pure.cloud",
    "eu-west-2": "euw2.pure.cloud",
    "ap-south-1": "aps1.pure.cloud",
    "us-east-2": "use2.us-gov-pure.cloud",
    "sa-east-1": "sae1.pure.cloud",
    "me-central-1": "mec1.pure.cloud",
    "ap-northeast-3": "apne3.pure.cloud",
    "eu-central-2": "euc2.pure.cloud",
    "mx-central-1": "mxc1.pure.cloud",
    "ap-southeast-1": "apse1.pure.cloud",
    "eusc-de-east-1": "edee1.eusc-pure.cloud",
}


def valid_regions_text() -> str:
    """`mypurecloud.com (us-east-1), mypurecloud.ie (eu-west-1), ...` for error messages and help."""
    return ", ".join(f"{domain} ({aws})" for aws, domain in GENESYS_REGIONS.items())


def region_domain(region: str) -> str:
    """The Genesys domain for a region given as a domain (`mypurecloud.ie`), a host (`api.mypurecloud.ie`),
    a URL, or the AWS region Genesys runs it in (`eu-west-1`, also `eu_west_1`)."""
    text = region.strip().lower()
    if "://" in text:
        text = urlparse(text).hostname or ""
    for prefix in ("api.", "login.", "apps."):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    text = text.rstrip("/")
    if text in GENESYS_REGIONS.values():
        return text
    aws = text.replace("_", "-")
    if aws in GENESYS_REGIONS:
        return GENESYS_REGIONS[aws]
    raise UnknownRegion(
        f"unknown Genesys region {region!r}; use one of: {valid_regions_text()}. "
        "Give the domain of your org's login URL (e.g. mypurecloud.ie for login.mypurecloud.ie)."
    )


def api_base_url(region: str | None, override: str | None = None) -> str:
    """`https://api.<domain>`, or `override` (a gateway or a test server) when given."""
    if override:
        parsed = urlparse(override)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UnknownRegion(f"API base URL must be http(s)://host[:port], got {override!r}")
        return override.rstrip("/")
    if not region:
        raise UnknownRegion(f"a Genesys region is required; use one of: {valid_regions_text()}")
    return f"https://api.{region_domain(region)}"
