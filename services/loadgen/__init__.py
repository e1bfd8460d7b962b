"""Load generator: Locust traffic against the KV API, client-side metrics, live rate control
and a consistency checker. See docs/load.md."""
