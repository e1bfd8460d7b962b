"""Application faults the chaos controller injects through the admin API."""
