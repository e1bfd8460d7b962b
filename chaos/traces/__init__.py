"""The controller's embedded trace store (local runtime): OTLP/HTTP spans in, SQLite, bounded
by size and age, queried by the API's `/api/traces` routes and `gameday trace(s)`."""
