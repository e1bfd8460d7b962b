"""A real 3-member etcd cluster whose peer traffic crosses the proxy's etcd-peer links."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.chaos.proxy.proxy_harness import free_port
from tests.chaos.proxy.proxy_process import proxy_process, stop_process, wait_until

ETCD = shutil.which("etcd")
pytestmark = pytest.mark.skipif(ETCD is None, reason="needs the etcd binary")

MEMBERS = ("store-1", "store-2", "store-3")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.client_port = {m: free_port() for m in MEMBERS}
        self.peer_port = {m: free_port() for m in MEMBERS}  # where each member listens
        self.proxy_port = {m: free_port() for m in MEMBERS}  # what each member advertises
        self.procs: list[subprocess.Popen] = []

    def proxy_config(self) -> dict:
        return {
            "links": [
                {
                    "name": f"peer->{m}",
                    "listen": f"127.0.0.1:{self.proxy_port[m]}",
                    "upstream": f"127.0.0.1:{self.peer_port[m]}",
                    "kind": "etcd-peer",
                    "dst": m,
                }
                for m in MEMBERS
            ]
        }

    def start(self) -> None:
        initial = ",".join(f"{m}=http://127.0.0.1:{self.proxy_port[m]}" for m in MEMBERS)
        for m in MEMBERS:
            client = f"http://127.0.0.1:{self.client_port[m]}"
            log = (self.tmp / f"{m}.log").open("wb")
            self.procs.append(
                subprocess.Popen(
                    [
                        ETCD,
                        "--name",
                        m,
                        "--data-dir",
                        str(self.tmp / m),
                        "--listen-client-urls",
                        client,
                        "--advertise-client-urls",
                        client,
                        "--listen-peer-urls",
                        f"http://127.0.0.1:{self.peer_port[m]}",
                        "--initial-advertise-peer-urls",
                        f"http://127.0.0.1:{self.proxy_port[m]}",
                        "--initial-cluster",
                        initial,
                        "--initial-cluster-state",
                        "new",
                        "--initial-cluster-token",
                        "proxy-test",
                        "--heartbeat-interval",
                        "50",
                        "--election-timeout",
                        "500",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            )
            log.close()

    def stop(self) -> None:
        for proc in self.procs:
            stop_process(proc)

    def call(self, member: str, path: str, body: dict, timeout: float = 2) -> dict:
        url = f"http://127.0.0.1:{self.client_port[member]}{path}"
        resp = httpx.post(url, json=body, timeout=timeout)
        resp.raise_for_status()
        return resp.json()

    def leader(self, member: str) -> int:
        return int(self.call(member, "/v3/maintenance/status", {}).get("leader", 0))

    def put(self, member: str, key: str, value: str, timeout: float = 2) -> bool:
        try:
            self.call(member, "/v3/kv/put", {"key": b64(key), "value": b64(value)}, timeout)
        except httpx.HTTPError:
            return False
        return True


@pytest.fixture
def cluster(tmp_path):
    cluster = Cluster(tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()


def test_cluster_forms_through_proxy_and_partition_isolates_a_member(tmp_path, cluster):
    with proxy_process(tmp_path, cluster.proxy_config()) as admin:
        cluster.start()
        wait_until(lambda: all(cluster.leader(m) for m in MEMBERS), 20, "a leader on all members")
        assert cluster.put("store-1", "k", "formed")

        # Member ids are decimal strings in the JSON gateway; X-Server-From is hex.
        members = cluster.call("store-1", "/v3/cluster/member/list", {})["members"]
        assert sorted(m["peerURLs"][0] for m in members) == sorted(
            f"http://127.0.0.1:{p}" for p in cluster.proxy_port.values()
        )
        ids = {format(int(m["ID"]), "x"): m["name"] for m in members}
        assert admin.put("/peers", json=ids).is_success

        def peer_links() -> dict[str, dict]:
            return {link["name"]: link for link in admin.get("/links").json()}

        # A link is named by who dialled: a->b carries a's requests up to b (stream setup,
        # pipeline) and, on the long-lived stream GETs, b's heartbeats and appends down to a.
        # The streams were dialled before /peers was set, so this also proves re-labelling.
        wanted = {f"{a}->{b}" for a in MEMBERS for b in MEMBERS if a != b}

        def all_links_carry_traffic() -> bool:
            links = peer_links()
            return all(name in links and links[name]["bytes_down"] for name in wanted)

        wait_until(all_links_carry_traffic, 10, "traffic on all six store-a->store-b links")

        # Isolate store-3: every link into and out of it.
        resp = admin.post("/faults", json={"kind": "cut", "links": ["store-3->*", "*->store-3"]})
        assert resp.status_code == 201, resp.text
        wait_until(lambda: cluster.leader("store-3") == 0, 10, "store-3 to lose its leader")
        wait_until(lambda: cluster.put("store-1", "k", "majority"), 10, "store-1/2 to commit")
        leader = cluster.leader("store-1")
        assert leader and leader == cluster.leader("store-2")
        assert not cluster.put("store-3", "k", "minority", timeout=1.5)

        # Heal: store-3 rejoins and can commit again.
        assert admin.delete("/faults").is_success
        wait_until(lambda: cluster.leader("store-3") != 0, 15, "store-3 to rejoin")
        wait_until(lambda: cluster.put("store-3", "k", "healed"), 10, "store-3 to commit")
