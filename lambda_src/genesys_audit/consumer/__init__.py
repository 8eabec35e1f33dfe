"""Queue consumer: checks EventBridge patterns cannot express, then hands each finding to a sink."""
