"""simulate(): results, reproducibility, compile-once, and the gamma rhythm itself."""

import brainunit as u
import numpy as np
import pytest

import wbmodel as wb
from wbmodel import engine, simulation

UA = u.uA / u.cm**2
MS = u.mS / u.cm**2


def test_default_network_is_synchronous_near_40_hz(default_run):
    f = float(wb.network_frequency(default_run).to_decimal(u.Hz))
    kappa = wb.coherence(default_run)
    assert 35 <= f <= 45, f"the paper's network oscillates near 40 Hz, got {f:.1f} Hz"
    assert kappa > 0.9, f"mutual inhibition should synchronise the network: κ = {kappa:.3f}"


def test_no_inhibition_no_synchrony():
    res = wb.simulate(wb.WBParams(g_syn=0 * MS), duration=500 * u.ms)
    kappa = wb.coherence(res)
    assert kappa < 0.3, f"uncoupled cells with random initial V are asynchronous: κ = {kappa:.3f}"


def test_result_fields(default_run):
    r = default_run
    steps = 500 / 0.01
    assert r.spikes_packed.shape == (steps, 13) and r.spikes_packed.dtype == np.uint8
    assert r.V.shape == (steps, 5) and r.V_mean.shape == (steps,)
    assert r.times.shape == (steps,)
    np.testing.assert_allclose(float(r.times[-1].to_decimal(u.ms)), 500.0)
    assert r.spike_times.shape == r.spike_neurons.shape
    assert np.all(np.diff(r.spike_times.to_decimal(u.ms)) >= 0), "spikes come in time order"
    assert r.raster().sum() == len(r.spike_neurons)
    np.testing.assert_allclose(np.asarray(r.I_app_cells.to_decimal(UA)), 1.0)
    v0 = r.V.to_decimal(u.mV)[0]
    assert np.all((v0 > -71) & (v0 < -49)), "initial V is uniform in [−70, −50] mV"


def test_same_seed_same_spikes_other_seed_other_spikes():
    p = wb.WBParams(I_sigma=0.02 * UA)
    a = wb.simulate(p, duration=100 * u.ms, seed=5)
    b = wb.simulate(p, duration=100 * u.ms, seed=5)
    c = wb.simulate(p, duration=100 * u.ms, seed=6)
    np.testing.assert_array_equal(a.spikes_packed, b.spikes_packed)
    np.testing.assert_array_equal(np.asarray(a.V.mantissa), np.asarray(b.V.mantissa))
    assert not np.array_equal(a.spikes_packed, c.spikes_packed), "another seed, other spikes"


def test_heterogeneous_drive_has_the_requested_sd():
    res = wb.simulate(wb.WBParams(n_cells=2000, I_sigma=0.1 * UA), duration=1 * u.ms)
    I = np.asarray(res.I_app_cells.to_decimal(UA))
    assert abs(I.mean() - 1.0) < 0.01 and abs(I.std() - 0.1) < 0.006, (
        "I_sigma is a standard deviation (not a variance)")


def test_new_values_and_seeds_do_not_recompile():
    p = wb.WBParams(n_cells=30)
    wb.simulate(p, duration=20 * u.ms, seed=0)
    before = simulation.compile_count()
    for kw in (dict(I_app=1.3 * UA), dict(g_syn=0.2 * MS, phi=3.0), dict(I_sigma=0.05 * UA)):
        wb.simulate(p.replace(**kw), duration=20 * u.ms, seed=7)
    assert simulation.compile_count() == before, (
        "new parameter values or seeds must reuse the compiled program")
    wb.simulate(p, duration=30 * u.ms)
    assert simulation.compile_count() == before + 1, "a new number of steps is a new shape"


def test_coarse_raster_keeps_every_spike():
    fine = wb.simulate(wb.WBParams(), duration=300 * u.ms, seed=2)
    coarse = wb.simulate(wb.WBParams(), duration=300 * u.ms, seed=2, raster_dt=0.1 * u.ms)
    assert coarse.spikes_packed.shape[0] == fine.spikes_packed.shape[0] // 10
    np.testing.assert_array_equal(fine.spike_counts(), coarse.spike_counts())
    dt_err = np.abs(np.sort(coarse.spike_times.to_decimal(u.ms))
                    - np.sort(fine.spike_times.to_decimal(u.ms)))
    assert dt_err.max() < 0.1 + 1e-6, "spike times move to the end of their 0.1 ms frame"
    with pytest.raises(ValueError, match="raster_dt"):
        wb.simulate(wb.WBParams(), duration=300 * u.ms, raster_dt=0.7 * u.ms)
    with pytest.raises(ValueError, match=r"raster_dt must be a whole number of steps of dt: 0\.1"):
        wb.simulate(wb.WBParams(), duration=300 * u.ms, dt=0.04 * u.ms, raster_dt=0.1 * u.ms)


def test_sparse_network_runs_and_synchronises():
    res = wb.simulate(wb.WBParams(n_inputs=60), duration=500 * u.ms, seed=1)
    assert res.pre_indices.shape == (100, 60)
    assert wb.coherence(res) > 0.8, "M = 60 inputs per cell is well above the critical M"


def test_record_selects_cells():
    res = wb.simulate(wb.WBParams(n_cells=10), duration=5 * u.ms, record=[9, 2])
    assert res.V.shape == (500, 2)
    np.testing.assert_array_equal(res.record_cells, [9, 2])
    with pytest.raises(ValueError, match="record"):
        wb.simulate(wb.WBParams(n_cells=10), duration=5 * u.ms, record=[10])


def test_command_line_run(capsys):
    from wbmodel.__main__ import main

    assert main(["run", "--n-cells", "20", "--duration", "300"]) == 0
    out = capsys.readouterr().out
    assert "kappa = " in out and "network frequency = " in out


def test_wide_vector_build_gives_the_default_builds_results(monkeypatch):
    """CPU_COMPILER_OPTIONS changes how XLA vectorises, never what a run computes."""
    p = wb.WBParams(n_cells=37)  # not a multiple of any vector width: exercises loop tails
    wide = wb.simulate(p, duration=100 * u.ms, seed=4, record=range(37))
    monkeypatch.setattr(engine, "CPU_COMPILER_OPTIONS", {})
    engine.clear_programs()
    try:
        plain = wb.simulate(p, duration=100 * u.ms, seed=4, record=range(37))
    finally:
        engine.clear_programs()  # the default-option build must not outlive the test
    np.testing.assert_allclose(wide.V.to_decimal(u.mV), plain.V.to_decimal(u.mV), atol=1e-3)
    np.testing.assert_array_equal(wide.spike_counts(), plain.spike_counts())


def test_simulate_runs_in_float64(tmp_path):
    """brainstate's 64-bit precision (JAX's x64 mode, set before anything is built): the
    float32 draws enter as float64 and the run matches float32's spikes (a process of its
    own: x64 is global)."""
    import subprocess
    import sys

    code = """
import jax, brainstate
jax.config.update("jax_enable_x64", True)
brainstate.environ.set(precision=64)
import brainunit as u, numpy as np, wbmodel as wb
p = wb.WBParams(n_cells=20, n_inputs=5)
r = wb.simulate(p, duration=100 * u.ms, seed=1, record=[0])
print(r.V.to_decimal(u.mV).dtype, r.spike_times.size)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    dtype, n = out.stdout.split()
    f32 = wb.simulate(wb.WBParams(n_cells=20, n_inputs=5), duration=100 * u.ms, seed=1)
    assert dtype == "float64"
    assert int(n) == f32.spike_times.size


def test_the_initial_V_range_is_an_argument_of_the_run():
    p = wb.WBParams(n_cells=30, I_sigma=0.02 * UA)
    default = wb.simulate(p, duration=50 * u.ms, seed=2)
    paper = wb.simulate(p, duration=50 * u.ms, seed=2, V0_range=[-70.0, -50.0] * u.mV)
    np.testing.assert_array_equal(default.spikes_packed, paper.spikes_packed)
    np.testing.assert_array_equal(default.V.to_decimal(u.mV), paper.V.to_decimal(u.mV))
    np.testing.assert_array_equal(default.V0_range.to_decimal(u.mV), [-70.0, -50.0])
    before = simulation.compile_count()
    narrow = wb.simulate(p, duration=50 * u.ms, seed=2, V0_range=(-61 * u.mV, -59 * u.mV))
    assert simulation.compile_count() == before, "a new range is a new input, not a compile"
    np.testing.assert_array_equal(narrow.V0_range.to_decimal(u.mV), [-61.0, -59.0])
    assert not np.array_equal(narrow.spikes_packed, default.spikes_packed)
    start = simulation.initial_state(p, 2, (-61 * u.mV, -59 * u.mV))
    np.testing.assert_array_equal(start["I_app_cells"].to_decimal(UA),
                                  default.I_app_cells.to_decimal(UA), err_msg="the drives stay")
    assert np.all((start["V0"] >= -61 * u.mV) & (start["V0"] <= -59 * u.mV))


def test_lo_equal_to_hi_is_the_synchronous_start():
    """Identical cells (I_σ = 0) that start identical fire together from the first spike."""
    res = wb.simulate(wb.WBParams(n_cells=20), duration=100 * u.ms, seed=0,
                      V0_range=[-60.0, -60.0] * u.mV, record=range(20))
    V = np.asarray(res.V.to_decimal(u.mV))
    assert np.all(V == V[:, :1]), "every cell follows one trajectory"
    raster = res.raster()
    assert raster.any() and np.all(raster.all(axis=1) | ~raster.any(axis=1)), \
        "a frame holds every cell's spike or none"
    assert wb.coherence(res, start=0 * u.ms) == pytest.approx(1.0)


@pytest.mark.parametrize("V0_range, error", [
    ([-50.0, -70.0] * u.mV, ValueError),
    ([-70.0, np.inf] * u.mV, ValueError),
    ((-70.0, -50.0), TypeError),
    ([-70.0, -50.0] * u.ms, TypeError),
])
def test_a_bad_initial_V_range_is_refused(V0_range, error):
    with pytest.raises(error, match="V0_range"):
        wb.simulate(wb.WBParams(n_cells=4), duration=1 * u.ms, V0_range=V0_range)


def test_command_line_run_takes_the_initial_V_spread(capsys, monkeypatch):
    from wbmodel.__main__ import main

    ranges, simulate = [], wb.simulate

    def spy(*args, **kwargs):
        ranges.append([float(x.to_decimal(u.mV)) for x in kwargs["V0_range"]])
        return simulate(*args, **kwargs)

    monkeypatch.setattr(wb, "simulate", spy)
    assert main(["run", "--n-cells", "20", "--duration", "300", "--V0-spread", "0"]) == 0
    assert "kappa = 1.000" in capsys.readouterr().out
    assert main(["run", "--n-cells", "20", "--duration", "20", "--V0-spread", "8.01"]) == 0
    assert main(["run", "--n-cells", "20", "--duration", "20"]) == 0
    assert ranges == [[-60.0, -60.0], list(wb.draws.V_range_of_spread(8.01)), [-70.0, -50.0]], \
        "the run draws from the spread it is given (default: the paper's)"
