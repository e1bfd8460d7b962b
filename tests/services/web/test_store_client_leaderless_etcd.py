"""The store client against a real etcd member that has no leader (etcd 3.4 from Debian).

A one-member cluster told that a second voting member joined (one that never starts) has
lost its quorum: the member steps down (etcd's check-quorum) and can elect no one. That is
what every member of the stack goes through during an election, held still. The client
must get its answer at once (etcd's `hasleader` metadata, services/web/store_transport.py)
for writes and linearizable reads, where etcd would otherwise hold the call until the
caller's timeout, and must still be served serializable reads, which need no leader.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from services.web.local_etcd import free_port
from services.web.store_client import EtcdGateway
from services.web.store_errors import StoreUnavailable
from services.web.store_transport import AiohttpTransport

pytestmark = pytest.mark.skipif(shutil.which("etcd") is None, reason="etcd is not installed")

TIMEOUT = 8.0  # what a held call would cost; an answer "at once" is far below it


def _status(client: str) -> dict | None:
    try:
        answer = httpx.post(f"{client}/v3/maintenance/status", json={}, timeout=1.0)
    except httpx.TransportError:
        return None
    return answer.json() if answer.status_code == 200 else None


def _until(predicate, what: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert process.poll() is None, "etcd exited"
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def leaderless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("leaderless")
    client, peer, absent = (f"http://127.0.0.1:{free_port()}" for _ in range(3))
    process = subprocess.Popen(
        ["etcd", "--name=one", f"--data-dir={data / 'one'}", f"--listen-client-urls={client}",
         f"--advertise-client-urls={client}", f"--listen-peer-urls={peer}",
         f"--initial-advertise-peer-urls={peer}", f"--initial-cluster=one={peer}",
         "--strict-reconfig-check=false", "--log-level=error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until(lambda: (_status(client) or {}).get("leader", "0") != "0",
               "etcd elected itself", process)
        httpx.post(f"{client}/v3/cluster/member/add", json={"peerURLs": [absent]},
                   timeout=5.0).raise_for_status()
        _until(lambda: (_status(client) or {}).get("leader", "0") == "0",
               "etcd lost its leader", process)
        yield client
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
async def gateway(leaderless: str) -> AsyncIterator[EtcdGateway]:
    transport = AiohttpTransport()
    yield EtcdGateway(transport, [leaderless], timeout=TIMEOUT, read_retries=0)
    await transport.aclose()


async def answered_within(call, seconds: float) -> BaseException:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        await call
    assert time.monotonic() - started < seconds
    return raised.value


async def test_a_write_is_refused_at_once_not_held_until_the_timeout(gateway) -> None:
    error = await answered_within(gateway.put("k", "v"), TIMEOUT / 2)
    assert "no leader" in str(error)


async def test_a_linearizable_read_is_refused_at_once(gateway) -> None:
    error = await answered_within(gateway.get("k"), TIMEOUT / 2)
    assert "no leader" in str(error)


async def test_a_serializable_read_is_still_served(gateway) -> None:
    found, revision = await gateway.get("k", serializable=True)
    assert found is None and revision >= 1


async def test_readiness_sees_no_leader(gateway) -> None:
    error = await answered_within(gateway.find_leader(), TIMEOUT / 2)
    assert "has no leader" in str(error)
