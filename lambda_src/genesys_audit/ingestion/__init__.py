"""Webhook ingestion: signature check, normalisation, PutEvents batching."""
