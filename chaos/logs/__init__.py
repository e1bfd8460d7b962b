"""Central logs: every component's log file, parsed and kept in one searchable, bounded store
(docs/observability.md, "Central logs")."""
