"""Token files are 0600 from the first byte: opened with the mode, never chmod-ed after."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from chaos import state as state_module
from chaos.state import StateDir, create_secret, write_atomic


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def opened(monkeypatch):
    """Every os.open (path, mode), and a chmod by path that fails the test."""
    calls: list[tuple[str, int]] = []
    real_open = os.open

    def spy_open(path, flags, mode=0o777, *args, **kwargs):
        calls.append((str(path), mode, flags))
        return real_open(path, flags, mode, *args, **kwargs)

    def no_chmod(*args, **kwargs):
        raise AssertionError(f"chmod after the fact: {args}")

    monkeypatch.setattr(state_module.os, "open", spy_open)
    monkeypatch.setattr(state_module.os, "chmod", no_chmod)
    return calls


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_fresh_controller_token_is_0600_and_opened_so(tmp_path, umask_022, opened):
    state = StateDir(tmp_path / "state")
    token = state.ensure_token()
    assert len(token) >= 32
    assert mode_of(state.token_file) == 0o600
    creates = [(p, m, f) for p, m, f in opened if f & os.O_CREAT]
    assert creates, "the token was not written through os.open"
    for path, mode, flags in creates:
        assert mode == 0o600 and flags & os.O_EXCL, (path, oct(mode))
    assert state.ensure_token() == token  # kept, not rewritten


def test_the_file_has_its_mode_before_its_first_byte(tmp_path, umask_022, monkeypatch):
    """Watch the fd at the moment of the first write: it is already 0600."""
    seen: list[int] = []
    real_write = state_module._write_fd

    def check_then_write(fd, text):
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        real_write(fd, text)

    monkeypatch.setattr(state_module, "_write_fd", check_then_write)
    create_secret(tmp_path / "admin-token", "s3cret\n")
    write_atomic(tmp_path / "stack.json", "{}", mode=0o600)
    assert seen == [0o600, 0o600]


def test_a_stricter_umask_does_not_change_a_public_files_mode(tmp_path):
    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "prometheus.yml", "x", mode=0o644)
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "prometheus.yml") == 0o644


def test_racing_writers_agree_on_one_token(tmp_path):
    path = tmp_path / "token"
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(create_secret(path, f"t{i}\n")))
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert path.read_text() in {f"t{i}\n" for i in range(8)}
    assert [p.name for p in tmp_path.iterdir()] == ["token"]  # no temporary left behind
