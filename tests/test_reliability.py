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
