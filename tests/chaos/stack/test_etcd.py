"""etcd's command line, read back."""

from __future__ import annotations

from chaos.stack.etcd import quota_of


def test_quota_of_reads_the_command_line_or_falls_back_to_etcds_default():
    assert quota_of(["etcd", "--quota-backend-bytes=1048576"]) == 1048576
    assert quota_of(["etcd"]) == 2 * 1024 * 1024 * 1024
