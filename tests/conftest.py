"""Shared fixtures: short runs reused across tests (each compiles once per shape)."""

import brainunit as u
import pytest

import wbmodel as wb

UA = u.uA / u.cm**2
MS = u.mS / u.cm**2


@pytest.fixture(scope="session")
def default_run():
    """The paper's default network (N = 100, all-to-all), 500 ms."""
    return wb.simulate(wb.WBParams(), duration=500 * u.ms, seed=0)
