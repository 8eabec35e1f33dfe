"""Threshold (burst) rules: exact counts per rule, window and group in DynamoDB; one alert per window and group."""
