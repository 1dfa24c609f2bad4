"""Reproducibility, keeping results, and divergence."""

import brainunit as u
import numpy as np
import pytest

import wbmodel as wb
from wbmodel import persistence

UA = u.uA / u.cm**2


def test_save_load_round_trip(tmp_path):
    r = wb.simulate(wb.WBParams(n_cells=20, n_inputs=5, I_sigma=0.03 * UA), duration=50 * u.ms,
                    seed=4, record=[1, 7])
    path = tmp_path / "run.npz"
    r.save(path)
    back = wb.SimulationResult.load(path)
    assert back.params == r.params and back.seed == 4
    for name in ("spikes_packed", "record_cells", "pre_indices"):
        np.testing.assert_array_equal(getattr(back, name), getattr(r, name))
    for name in ("V", "V_mean", "I_app_cells", "dt", "duration", "raster_dt"):
        np.testing.assert_array_equal(np.asarray(u.get_mantissa(getattr(back, name))),
                                      np.asarray(u.get_mantissa(getattr(r, name))))
    np.testing.assert_array_equal(back.spike_times.to_decimal(u.ms), r.spike_times.to_decimal(u.ms))
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"], "no temporary file is left"


def test_interrupted_save_leaves_no_file(tmp_path, monkeypatch):
    r = wb.simulate(wb.WBParams(n_cells=4), duration=5 * u.ms)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(persistence.np, "savez_compressed", boom)
    with pytest.raises(KeyboardInterrupt):
        r.save(tmp_path / "x.npz")
    assert list(tmp_path.iterdir()) == [], "an interrupted save must leave nothing behind"


def test_newer_file_format_is_refused(tmp_path, monkeypatch):
    r = wb.simulate(wb.WBParams(n_cells=4), duration=5 * u.ms)
    monkeypatch.setattr(persistence, "FILE_FORMAT", persistence.FILE_FORMAT + 1)
    r.save(tmp_path / "new.npz")
    monkeypatch.undo()
    with pytest.raises(ValueError, match="newer"):
        wb.SimulationResult.load(tmp_path / "new.npz")


def test_foreign_npz_is_refused(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(ValueError, match="not a wbmodel"):
        wb.SimulationResult.load(tmp_path / "other.npz")


def test_sweep_is_bit_reproducible():
    grid = {"I_sigma": [0.0, 0.03] * UA}
    a = wb.sweep(wb.WBParams(n_cells=30), grid, seeds=[0, 1], duration=200 * u.ms)
    b = wb.sweep(wb.WBParams(n_cells=30), grid, seeds=[0, 1], duration=200 * u.ms, batch_size=1)
    assert a.equals(b), "same points and seeds give identical rows, whatever the batching"


def test_divergence_is_reported_with_its_time():
    # A huge leak conductance with a tiny capacitance is violently stiff: it overflows.
    p = wb.WBParams(n_cells=4, g_L=1e30 * u.mS / u.cm**2, C=1e-30 * u.uF / u.cm**2)
    with pytest.raises(wb.SimulationDiverged, match=r"t = [0-9.]+ ms.*smaller dt"):
        wb.simulate(p, duration=5 * u.ms)


def test_the_range_of_the_initial_V_is_saved(tmp_path):
    lo, hi = wb.draws.V_range_of_spread(0.3)  # ends float32 cannot hold: kept in full
    r = wb.simulate(wb.WBParams(n_cells=6), duration=5 * u.ms, seed=1,
                    V0_range=(lo * u.mV, hi * u.mV))
    r.save(tmp_path / "run.npz")
    back = wb.SimulationResult.load(tmp_path / "run.npz")
    assert [float(x) for x in back.V0_range.to_decimal(u.mV)] == [lo, hi]


def test_a_file_from_before_the_range_loads_with_the_papers(tmp_path):
    import json

    r = wb.simulate(wb.WBParams(n_cells=6), duration=5 * u.ms, seed=1,
                    V0_range=[-61.0, -59.0] * u.mV)
    r.save(tmp_path / "run.npz")
    with np.load(tmp_path / "run.npz") as z:
        arrays = dict(z)
    meta = json.loads(str(arrays["meta"]))
    del meta["V0_range_mV"]
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **arrays)
    back = wb.SimulationResult.load(tmp_path / "old.npz")
    np.testing.assert_array_equal(back.V0_range.to_decimal(u.mV), [-70.0, -50.0])
