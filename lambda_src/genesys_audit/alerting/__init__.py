"""Alerting: render a matched audit event once and send it to SNS and the chat/paging channels."""
