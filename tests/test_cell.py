"""The Wang–Buzsáki cell: firing, silence, the rate functions, and brainpy.state's own cell."""

import brainpy
import brainstate
import braintools
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import wbmodel as wb
from wbmodel import cell as C

UA = u.uA / u.cm**2


def test_fires_steadily_near_60_hz_at_1_uA():
    rate = float(wb.fi_curve(1.0 * UA, phi=5.0)[0].to_decimal(u.Hz))
    assert 55 <= rate <= 65, f"at I_app = 1 µA/cm², φ = 5 the cell fires at 55–65 Hz, got {rate}"


def test_silent_at_0_1_uA():
    s = wb.run_cells(0.1 * UA, duration=1000 * u.ms, transient=0 * u.ms)
    assert s.count[0] == 0, "0.1 µA/cm² is below rheobase: the cell must stay silent"
    assert -66 < s.V_min[0] and s.V_max[0] < -60, "it should settle near rest (about −64 mV)"


def test_exprel_removes_the_singularities():
    V = jnp.array([-35.0, -34.0, -35.0 + 1e-6, -34.0 - 1e-6]) * u.mV
    am, an = C.alpha_m(V).to_decimal(u.ms**-1), C.alpha_n(V).to_decimal(u.ms**-1)
    assert np.all(np.isfinite(am)) and np.all(np.isfinite(an))
    np.testing.assert_allclose(am[0], 1.0, rtol=1e-6, err_msg="α_m(−35 mV) = 0.1/0.1 = 1 /ms")
    np.testing.assert_allclose(an[1], 0.1, rtol=1e-6, err_msg="α_n(−34 mV) = 0.01/0.1 = 0.1 /ms")
    np.testing.assert_allclose(am[2], am[0], rtol=1e-5)
    np.testing.assert_allclose(an[3], an[1], rtol=1e-5)


def test_rate_functions_match_the_paper_at_a_generic_voltage():
    V = -50.0
    q = V * u.mV
    per_ms = u.ms**-1
    expected = {
        C.alpha_m: 0.1 * (V + 35) / (1 - np.exp(-0.1 * (V + 35))),
        C.beta_m: 4 * np.exp(-(V + 60) / 18),
        C.alpha_h: 0.07 * np.exp(-(V + 58) / 20),
        C.beta_h: 1 / (1 + np.exp(-0.1 * (V + 28))),
        C.alpha_n: 0.01 * (V + 34) / (1 - np.exp(-0.1 * (V + 34))),
        C.beta_n: 0.125 * np.exp(-(V + 44) / 80),
    }
    for f, value in expected.items():
        np.testing.assert_allclose(float(f(q).to_decimal(per_ms)), value, rtol=1e-6,
                                   err_msg=f.__name__)


def _count_spikes(neuron, I, n_steps, dt, spike_of):
    brainstate.nn.init_all_states(neuron)

    def step(i):
        return spike_of(neuron.update(I))

    with brainstate.environ.context(dt=dt):
        spikes = brainstate.transform.for_loop(step, jnp.arange(n_steps))
    return int(jnp.sum(spikes > 0))


@pytest.mark.parametrize("I_app", [0.5, 1.0, 2.0])
def test_matches_brainpy_builtin_wang_buzsaki(I_app):
    """brainpy.state.WangBuzsakiHH is an independent implementation (frozen-conductance step)."""
    dt, n = 0.01 * u.ms, 20_000  # 200 ms
    ours = wb.WangBuzsakiCell(1, V_initializer=jnp.array([-65.0]) * u.mV)
    ours_count = _count_spikes(ours, I_app * UA, n, dt, lambda s: s)
    V0 = -65.0 * u.mV
    theirs = brainpy.state.WangBuzsakiHH(
        1, V_initializer=braintools.init.Constant(V0),
        h_initializer=braintools.init.Constant(C.h_inf(V0)),
        n_initializer=braintools.init.Constant(C.n_inf(V0)))
    # Its units are per cell (µA, mS, µF); with C = 1 µF the numbers are the same equations.
    theirs_count = _count_spikes(theirs, I_app * u.uA, n, dt, lambda s: s)
    assert ours_count >= 5, "the cell should fire repetitively"
    assert abs(ours_count - theirs_count) <= 1, (
        f"I_app = {I_app}: wbmodel {ours_count} spikes vs brainpy.state {theirs_count} in 200 ms")


def test_cell_honours_batch_size():
    cell = wb.WangBuzsakiCell(7)
    cell.init_state(batch_size=3)
    assert cell.V.value.shape == (3, 7) and cell.h.value.shape == (3, 7)
    v = cell.V.value.to_decimal(u.mV)
    assert np.all((v >= -70) & (v <= -50)), "initial V is uniform in [−70, −50] mV"
    with brainstate.environ.context(dt=0.01 * u.ms):
        spk = cell.update(1.0 * UA)
    assert spk.shape == (3, 7) and spk.dtype == jnp.bool_


def test_per_cell_drive():
    rates = wb.fi_curve(jnp.array([0.1, 1.0, 3.0]) * UA).to_decimal(u.Hz)
    assert rates[0] == 0 and 0 < rates[1] < rates[2], f"rates should grow with drive: {rates}"
