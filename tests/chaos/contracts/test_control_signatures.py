"""The fault context's collaborators (chaos/faults/context.py) and their fakes answer the same
calls: every method of each Protocol exists on the real client and on the fake, with the same
parameters. A fake that grows a method the real one lacks (or misses one) fails here, before a
unit test passes against a contract the real component does not keep."""

from __future__ import annotations

import inspect

import pytest

from chaos.controls.apps import AppAdminClient
from chaos.controls.disk import DiskThrottle
from chaos.controls.proxy import ProxyClient
from chaos.controls.store import StoreAdmin
from chaos.faults.context import AppControl, DiskControl, StoreControl
from chaos.netfaults.control import NetworkControl
from chaos.runtime.docker_net import IptablesNetwork
from chaos.testing.fakes import FakeApps, FakeDisk, FakeProxy, FakeStore

PAIRS = [
    (AppControl, AppAdminClient, FakeApps),
    (StoreControl, StoreAdmin, FakeStore),
    (DiskControl, DiskThrottle, FakeDisk),
    (NetworkControl, ProxyClient, FakeProxy),
    (NetworkControl, IptablesNetwork, FakeProxy),
]


def methods(protocol) -> list[str]:
    return sorted(name for name, value in vars(protocol).items()
                  if callable(value) and not name.startswith("_"))


def parameters(cls, name: str) -> list[tuple[str, object]]:
    params = inspect.signature(getattr(cls, name)).parameters.values()
    return [(p.name, p.kind) for p in params if p.name != "self"]


@pytest.mark.parametrize(("protocol", "real", "fake"), PAIRS,
                         ids=[f"{p.__name__}-{r.__name__}" for p, r, _ in PAIRS])
def test_the_real_client_and_the_fake_keep_the_protocol(protocol, real, fake):
    names = methods(protocol)
    assert names, protocol
    for name in names:
        wanted = parameters(protocol, name)
        assert parameters(real, name) == wanted, (real.__name__, name)
        assert parameters(fake, name) == wanted, (fake.__name__, name)
        assert inspect.iscoroutinefunction(getattr(real, name)) == \
            inspect.iscoroutinefunction(getattr(protocol, name)), (real.__name__, name)
        assert inspect.iscoroutinefunction(getattr(fake, name)) == \
            inspect.iscoroutinefunction(getattr(protocol, name)), (fake.__name__, name)
