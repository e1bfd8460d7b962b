"""Live: the store leader dies under write load, and no acknowledged write is lost.

Writers PUT distinct keys through the `api` endpoint (HAProxy -> web -> etcd over the fault
proxy) while the controller kills the Raft leader and keeps it down. A write may fail
during the election (503, or a timeout: indeterminate); every write the API acknowledged
(200) must read back afterwards with its value, from the two surviving members.
"""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from tests.integration.stackctl import FaultDriver

pytestmark = pytest.mark.stack

WRITERS = 6
SECONDS = 7.0
KILL_AFTER = 1.5


def _writer(api: str, prefix: str, index: int, deadline: float, acked: dict[str, str],
            failed: list[str], lock: threading.Lock) -> None:
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            key, value = f"{prefix}/{index}-{n}", f"v{index}-{n}"
            try:
                ok = client.put(f"{api}/kv/{key}", json={"value": value}).status_code == 200
            except httpx.HTTPError:
                ok = False
            with lock:
                if ok:
                    acked[key] = value
                else:
                    failed.append(key)
            if not ok:
                time.sleep(0.05)


def test_no_acknowledged_write_is_lost_when_the_store_leader_dies_under_load(stack):
    api = stack.url("api")
    driver = FaultDriver(stack)
    stack.wait_healthy()
    old_leader = stack.leader()
    assert old_leader is not None
    prefix = f"failover-live-{uuid.uuid4().hex[:8]}"
    acked: dict[str, str] = {}
    failed: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=_writer, args=(api, prefix, i, deadline, acked, failed, lock),
                         daemon=True)
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER)
    with lock:
        before_kill = len(acked)
    fault = driver.inject("kill", "store:leader", duration="60s", stay_down=True)
    try:
        assert fault["targets"] == [old_leader]
        for thread in threads:
            thread.join(timeout=SECONDS + 10)
        assert not any(thread.is_alive() for thread in threads)
        # The writes went on after the kill: the cluster elected a new leader and the web
        # tier found it (the figure itself is bench/recovery.py's, not a bound here).
        assert len(acked) > before_kill + WRITERS, (before_kill, len(acked), len(failed))
        new_leader = stack.wait_for(lambda: (leader := stack.leader()) != old_leader and leader,
                                    timeout=15, what="a new store leader")
        assert new_leader != old_leader
        with httpx.Client(timeout=5.0, trust_env=False) as client:
            lost = {}
            for key, value in acked.items():
                response = client.get(f"{api}/kv/{key}")
                if response.status_code != 200 or response.json()["value"] != value:
                    lost[key] = (response.status_code, response.text[:100])
        assert lost == {}, f"{len(lost)} acknowledged writes lost of {len(acked)}"
    finally:
        driver.revert(fault["id"])
        stack.wait_healthy(timeout=60)
