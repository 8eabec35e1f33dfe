"""Genesys audit runtime library shipped in the Lambda zips."""
