"""The event timeline: one append-only, structured log of what happened to the stack
(docs/alerts.md, "The event timeline")."""
