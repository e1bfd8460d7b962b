import gevent
import pytest

from services.loadgen.outcome import classify

READ_OK = (200, 404)


@pytest.mark.parametrize(
    ("status", "error", "ok_statuses", "outcome"),
    [
        (200, None, READ_OK, "ok"),
        (404, None, READ_OK, "ok"),  # a read of a key that may not exist
        (404, None, (200,), "http_error"),
        (503, None, READ_OK, "http_error"),
        (500, None, READ_OK, "http_error"),
        (0, TimeoutError("timed out"), READ_OK, "timeout"),  # what a socket raises
        (0, gevent.Timeout(1), READ_OK, "timeout"),
        (0, ConnectionRefusedError(), READ_OK, "connection_error"),
        (0, ConnectionResetError(), READ_OK, "connection_error"),
        (0, None, READ_OK, "connection_error"),
    ],
)
def test_classify(status, error, ok_statuses, outcome):
    assert classify(status, error, ok_statuses) == outcome
