"""Notifications: an outbox of events written in the transaction that caused them; delivery later."""
