"""What can go wrong talking to the store, in terms the API maps to HTTP answers.

Every class carries the ``outcome`` label used by ``store_requests_total``.
"""

from __future__ import annotations


class StoreError(Exception):
    """The store could not serve the call; the API answers 503."""

    outcome = "error"
    # Whether a *read* may be tried again (writes never are: their outcome is unknown).
    retryable = False


class StoreUnavailable(StoreError):
    """No endpoint accepted the call, or etcd said it cannot serve (no leader, no quorum)."""

    outcome = "unavailable"
    retryable = True


class StoreTimeout(StoreError):
    """The call did not finish within the per-call timeout (typical when quorum is lost)."""

    outcome = "timeout"
    retryable = True


class StoreFull(StoreError):
    """etcd raised its NOSPACE alarm; writes fail until someone defragments and disarms."""

    outcome = "full"


class NotConnected(Exception):
    """No connection could be had: the request never left this process.

    Not a ``StoreError``: the gateway fails over to the next endpoint (safe for writes
    too) and only reports ``StoreUnavailable`` when every endpoint refused.
    """
