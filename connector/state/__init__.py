"""The state store: cursor, run history, dead letters, decay schedule, handoff ledger."""
