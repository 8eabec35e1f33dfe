"""Scheduled backfill Lambda (see handler.py)."""
