"""Backfill from the Genesys Cloud audit API onto the bus, and gap detection against the trail.

The official SDK (`purecloudplatformclientv2`) is imported only when the API is first called: the
package itself stays cheap to import (Lambda cold start, CLI start-up).

- `regions`: Genesys region names and API hosts.
- `api`: the audit API reader (realtime and async queries, paging, 429/401/403 handling).
- `convert`: REST `AuditLogMessage` -> the partner source's notification detail.
- `checkpoint`: resumable runs (a JSON file for the CLI, an SSM parameter for the Lambda).
- `run`: the backfill loop (windows x services -> PutEvents through `ingestion.putevents`).
- `gaps`: audit ids per hour from the API vs the trail log group.
"""
