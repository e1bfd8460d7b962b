"""Command line of one etcd member of the store cluster: the one list of etcd's flags, for the
local runtime (chaos/stack/plan.py) and Compose (chaos/runtime/docker_plan.py, which
docker-compose.yml is generated from)."""

from __future__ import annotations

from pathlib import Path


def member_argv(
    *,
    name: str,
    data_dir: Path | str,
    listen_host: str,
    client_port: int,
    peer_port: int,
    advertised_peer_url: str,
    initial_cluster: str,
    cluster_token: str,
    quota_backend_bytes: int,
    advertise_host: str | None = None,
) -> list[str]:
    """`advertise_host`: the name clients reach the member by (Compose: its service name);
    the listening address by default."""
    return [
        "etcd",
        f"--name={name}",
        f"--data-dir={data_dir}",
        f"--listen-client-urls=http://{listen_host}:{client_port}",
        f"--advertise-client-urls=http://{advertise_host or listen_host}:{client_port}",
        f"--listen-peer-urls=http://{listen_host}:{peer_port}",
        # Peers dial the fault proxy, not the member, so the controller can cut or slow links.
        f"--initial-advertise-peer-urls={advertised_peer_url}",
        f"--initial-cluster={initial_cluster}",
        "--initial-cluster-state=new",
        f"--initial-cluster-token={cluster_token}",
        # Fast failover for a playground: a new leader within about 1-2 s.
        "--heartbeat-interval=100",
        "--election-timeout=1000",
        # A small quota so the disk-fill fault reaches NOSPACE in seconds, not hours.
        f"--quota-backend-bytes={quota_backend_bytes}",
        "--auto-compaction-mode=periodic",
        "--auto-compaction-retention=5m",
        "--logger=zap",
        "--log-outputs=stderr",
        # info: leader elections and lost peers are what an on-call engineer looks for.
        "--log-level=info",
    ]


def quota_of(argv: list[str]) -> int:
    """The backend quota an etcd command line sets (etcd's default, 2 GiB, when it sets none)."""
    for arg in argv:
        if arg.startswith("--quota-backend-bytes="):
            return int(arg.split("=", 1)[1])
    return 2 * 1024 * 1024 * 1024
