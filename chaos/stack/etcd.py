"""Command line of one etcd member of the store cluster."""

from __future__ import annotations

from pathlib import Path


def member_argv(
    *,
    name: str,
    data_dir: Path,
    host: str,
    client_port: int,
    peer_port: int,
    advertised_peer_port: int,
    initial_cluster: str,
    cluster_token: str,
    quota_backend_bytes: int,
) -> list[str]:
    client_url = f"http://{host}:{client_port}"
    return [
        "etcd",
        f"--name={name}",
        f"--data-dir={data_dir}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        f"--listen-peer-urls=http://{host}:{peer_port}",
        # Peers dial the fault proxy, not the member, so the controller can cut or slow links.
        f"--initial-advertise-peer-urls=http://{host}:{advertised_peer_port}",
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
        "--log-level=warn",
    ]
