"""sweep(): grids × seeds in batches, the same numbers as single runs, one compile per shape."""

import brainunit as u
import numpy as np
import pytest

import wbmodel as wb
from wbmodel import simulation

UA = u.uA / u.cm**2
MS = u.mS / u.cm**2


def test_sweep_matches_single_runs_and_compiles_once():
    grid = {"I_app": [0.8, 1.2] * UA, "g_syn": [0.05, 0.2] * MS}
    df = wb.sweep(wb.WBParams(n_cells=40), grid, seeds=[0, 3], duration=300 * u.ms,
                  batch_size=3)
    assert len(df) == 8 and list(df.columns[:3]) == ["I_app", "g_syn", "seed"]
    n = simulation.compile_count()
    wb.sweep(wb.WBParams(n_cells=40), {"I_app": [0.9, 1.1, 1.3] * UA}, seeds=[1, 2],
             duration=300 * u.ms, batch_size=3)
    assert simulation.compile_count() == n, "same shape and batch size: no new compile"
    row = df[(df.I_app == 1.2) & (df.g_syn == 0.2) & (df.seed == 3)].iloc[0]
    single = wb.simulate(wb.WBParams(n_cells=40, I_app=1.2 * UA, g_syn=0.2 * MS),
                         duration=300 * u.ms, seed=3, raster_dt=0.1 * u.ms)
    assert row.kappa == pytest.approx(wb.coherence(single), abs=1e-9)
    assert row.frequency == pytest.approx(
        float(wb.network_frequency(single).to_decimal(u.Hz)), abs=1e-6)


def test_sweep_groups_shapes_and_sparse_wiring():
    df = wb.sweep(wb.WBParams(n_cells=50), {"n_inputs": [5, 40], "phi": [5.0]}, seeds=[0],
                  duration=300 * u.ms)
    assert list(df.n_inputs) == [5, 40]
    single = wb.simulate(wb.WBParams(n_cells=50, n_inputs=40), duration=300 * u.ms, seed=0,
                         raster_dt=0.1 * u.ms)
    assert df.kappa.iloc[1] == pytest.approx(wb.coherence(single), abs=1e-9)


def test_sweep_explicit_points():
    points = [{"I_app": i * UA, "I_sigma": 0.02 * i * UA} for i in (0.8, 1.6)]
    df = wb.sweep(wb.WBParams(n_cells=30), points, seeds=[0], duration=200 * u.ms)
    np.testing.assert_allclose(df.I_sigma, [0.016, 0.032])
    assert df.frequency_rate.iloc[1] > df.frequency_rate.iloc[0], "more drive, faster rhythm"


def test_sweep_custom_summary_and_tau_syn():
    df = wb.sweep(None, {"tau_syn": [5, 20] * u.ms}, seeds=[0], duration=200 * u.ms,
                  summary=lambda r: {"spikes": int(r.spike_counts().sum())})
    np.testing.assert_allclose(df.tau_syn, [5.0, 20.0])
    assert (df.spikes > 0).all()


@pytest.mark.parametrize("grid, match", [
    ({"I_mu": [1.0] * UA}, "I_mu"),
    ({"I_app": []}, "I_app"),
    ({"g_syn": [-0.1] * MS}, "g_syn"),
    ({}, "grid"),
    ([], "grid"),
    ([{"I_app": 1.0 * UA}, {"bad": 1}], "bad"),
])
def test_bad_grids(grid, match):
    with pytest.raises((ValueError, TypeError), match=match):
        wb.sweep(None, grid, duration=10 * u.ms)


def test_sweep_shards_over_two_host_devices():
    """The batch axis is split over jax.devices(); run in a fresh process with 2 CPU devices."""
    import json
    import os
    import subprocess
    import sys

    code = """
import json, brainunit as u, jax, wbmodel as wb
df = wb.sweep(wb.WBParams(n_cells=20), {"I_app": [0.8, 1.0, 1.2] * u.uA / u.cm**2},
              seeds=[0], duration=100 * u.ms, batch_size=3)
one = wb.simulate(wb.WBParams(n_cells=20, I_app=1.2 * u.uA / u.cm**2), duration=100 * u.ms,
                  raster_dt=0.1 * u.ms)
sp = wb.sweep(wb.WBParams(n_cells=40), {"n_inputs": [8, 20]}, seeds=[2], duration=100 * u.ms,
              batch_size=2)  # sparse: the event kernel runs on each device's own rows
one_sp = wb.simulate(wb.WBParams(n_cells=40, n_inputs=20), duration=100 * u.ms, seed=2,
                     raster_dt=0.1 * u.ms)
print(json.dumps({"devices": len(jax.devices()), "kappa": list(df.kappa),
                  "single": wb.coherence(one), "sparse": list(sp.mean_rate),
                  "sparse_single": float(wb.mean_rate(one_sp).to_decimal(u.Hz))}))
"""
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    got = json.loads(out)
    assert got["devices"] == 2
    assert got["kappa"][2] == pytest.approx(got["single"], abs=1e-9), "same numbers when sharded"
    assert got["sparse"][1] == pytest.approx(got["sparse_single"], rel=0.01)


# The sweeps both sides run: two processes under jax.distributed, and this one alone.
_SWEEPS = """
import brainunit as u
import wbmodel as wb
spikes = {"summary": lambda r: {"spikes": int(r.spike_counts().sum())}}
dense = wb.sweep(wb.WBParams(n_cells=20), {"I_app": [0.8, 1.0, 1.2] * u.uA / u.cm**2},
                 seeds=[0, 1], duration=100 * u.ms, **spikes)
sparse = wb.sweep(wb.WBParams(n_cells=20, n_inputs=8), {"phi": [3.0, 5.0]}, seeds=[2],
                  duration=100 * u.ms, **spikes)
"""

_TWO_PROCESS_SWEEPS = """
import json, sys, jax
jax.distributed.initialize(coordinator_address=sys.argv[1], num_processes=2,
                           process_id=int(sys.argv[2]))
""" + _SWEEPS + """
stored = wb.sweep(wb.WBParams(n_cells=20), {"I_app": [0.8, 1.0, 1.2] * u.uA / u.cm**2},
                  seeds=[0, 1], duration=100 * u.ms, store=sys.argv[3], batch_size=2,
                  **spikes)
print(json.dumps({"devices": len(jax.devices()), "local": len(jax.local_devices()),
                  "dense": list(dense.spikes), "sparse": list(sparse.spikes),
                  "stored": list(stored.spikes)}))
"""


def test_sweep_runs_across_two_processes(tmp_path):
    """With jax.distributed the batch spans the devices of every process; each gets the table.

    With a store, each process writes its share of every batch to its own shard, and reading
    the store gives the whole table.
    """
    import json
    import socket
    import subprocess
    import sys
    import time

    from wbmodel.persistence import read_store

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{sock.getsockname()[1]}"
    store = tmp_path / "store"
    procs = [subprocess.Popen([sys.executable, "-c", _TWO_PROCESS_SWEEPS, address, str(rank),
                               str(store)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in (0, 1)]
    # If one process fails, the other waits for it in a collective: stop it at once.
    deadline = time.monotonic() + 300
    while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        if any(p.poll() not in (None, 0) for p in procs):
            break
        time.sleep(0.1)
    for p in procs:
        if p.poll() is None:
            p.kill()
    outs = [p.communicate() for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
    got = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    alone: dict = {}
    exec(_SWEEPS, alone)
    for g in got:
        assert (g["devices"], g["local"]) == (2, 1)
        assert g["dense"] == list(alone["dense"].spikes)
        assert g["sparse"] == list(alone["sparse"].spikes)
        assert g["stored"] == list(alone["dense"].spikes)
    shards = sorted(p.name for p in store.glob("*.sqlite"))
    assert shards == ["shard-0000.sqlite", "shard-0001.sqlite"]
    table = read_store(store).sort_values(["I_app", "seed"]).reset_index(drop=True)
    expected = alone["dense"].sort_values(["I_app", "seed"]).reset_index(drop=True)
    assert table[["I_app", "seed", "spikes"]].equals(expected[["I_app", "seed", "spikes"]])


def test_default_raster_is_about_0_1_ms_at_any_dt():
    from wbmodel.sweeps import _default_frame_steps

    for dt, steps, frame in ((0.01, 100_000, 10), (0.02, 50_000, 5), (0.05, 20_000, 2),
                             (0.04, 25_000, 4), (0.04, 2_500, 4), (0.005, 200_000, 20),
                             (0.01, 5, 5)):
        k = _default_frame_steps(dt, steps)
        assert k == frame and steps % k == 0, (dt, steps, k)
        assert k * dt >= 0.1 - 1e-9 or k == steps, "at least 0.1 ms, or the whole run"
    df = wb.sweep(wb.WBParams(n_cells=20), {"phi": [5.0]}, duration=100 * u.ms,
                  dt=0.04 * u.ms, summary=lambda r: {"frame_ms": float(
                      r.raster_dt.to_decimal(u.ms)), "spikes": int(r.spike_counts().sum())})
    assert df.frame_ms.iloc[0] == pytest.approx(0.16) and df.spikes.iloc[0] > 0


def test_sweep_passes_the_initial_V_range_to_every_run():
    p = wb.WBParams(n_cells=20)
    grid = {"I_app": [1.0, 1.2] * UA}
    kw = dict(seeds=[0, 1], duration=100 * u.ms, raster_dt=0.1 * u.ms)
    V0_range = [-60.5, -59.5] * u.mV
    narrow = wb.sweep(p, grid, V0_range=V0_range, **kw)
    default = wb.sweep(p, grid, **kw)
    assert not narrow.equals(default), "another start, other rows"
    for row in narrow.itertuples():
        single = wb.simulate(p.replace(I_app=row.I_app * UA), duration=100 * u.ms,
                             seed=row.seed, raster_dt=0.1 * u.ms, V0_range=V0_range)
        assert row.kappa == pytest.approx(wb.coherence(single), abs=1e-9), row
    assert default.equals(wb.sweep(p, grid, V0_range=[-70.0, -50.0] * u.mV, **kw))
    with pytest.raises(ValueError, match="V0_range"):
        wb.sweep(p, grid, V0_range=[-50.0, -70.0] * u.mV, **kw)


def test_a_silent_network_is_nan_and_every_other_error_is_raised():
    """NaN means "undefined here" (no spikes in the window), never "something went wrong"."""
    df = wb.sweep(wb.WBParams(n_cells=10), {"I_app": [0.0, 1.0] * UA}, seeds=[0],
                  duration=100 * u.ms)
    silent, firing = df.iloc[0], df.iloc[1]
    assert np.isnan(silent.kappa) and np.isnan(silent.frequency), "I_app = 0: no spikes"
    assert silent.mean_rate == 0.0
    assert np.isfinite(firing.kappa) and firing.frequency > 0
    res = wb.simulate(wb.WBParams(n_cells=10), duration=100 * u.ms)
    with pytest.raises(ValueError, match="start = 150 ms is not before the end"):
        wb.sweeps.default_summary(res, start=150 * u.ms)


@pytest.mark.parametrize("kw, match", [
    (dict(start=1500 * u.ms), r"start = 1500 ms is not before the end of the run \(1000 ms\)"),
    (dict(start=-5 * u.ms), r"start must be >= 0 ms"),
    (dict(start=999.5 * u.ms), r"shorter than its 1 ms bins"),
    (dict(start=100.0), r"start must be a quantity"),
    (dict(start=100 * u.ms, summary=lambda r: {"n": 1}), r"a summary of your own"),
])
def test_a_bad_window_is_refused_before_any_run(monkeypatch, tmp_path, kw, match):
    """Before: a start beyond the run made every row NaN and wrote a store of them."""
    def no_run(*args, **kwargs):
        raise AssertionError("the sweep ran a network before checking its window")

    monkeypatch.setattr(wb.sweeps, "network_program", no_run)
    with pytest.raises((ValueError, TypeError), match=match):
        wb.sweep(wb.WBParams(n_cells=10), {"I_app": [1.0] * UA}, duration=1000 * u.ms,
                 store=tmp_path / "store", **kw)
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())
