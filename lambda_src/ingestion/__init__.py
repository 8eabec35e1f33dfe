"""Webhook ingestion Lambda package (handler: `ingestion.handler.handler`)."""
