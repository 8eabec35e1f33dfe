"""Names for the ids in an audit record, read from the Genesys Cloud Platform API within a time budget.

- `client`: a small reader (client-credentials login, GET) on `http.client`, with the token cached per
  container until shortly before it expires and refreshed once on a 401.
- `names`: what was resolved (`Names`), as text for alerts and as a dict for findings.
- `resolve`: which ids of a record to look up, concurrently within one budget, with a per-container TTL cache.
- `settings`: the environment variables shared by the alert and consumer functions.

Optional and bounded: any failure (timeout, 429, 5xx, 401/403) leaves the ids as they are, with a note.
"""
