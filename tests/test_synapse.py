"""The GABA_A synapse: s rises to α/(α+β) while V_pre is high, then decays with τ = 1/β."""

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np

import wbmodel as wb
from wbmodel.synapse import F_syn


def _drive(syn, V_pre, n_steps, dt=0.01 * u.ms):
    def step(i):
        return syn.update(V_pre)

    with brainstate.environ.context(dt=dt):
        return np.asarray(brainstate.transform.for_loop(step, jnp.arange(n_steps)))


def test_rises_to_alpha_over_alpha_plus_beta_then_decays_with_tau_syn():
    syn = wb.WangBuzsakiSynapse(1, alpha=12.0 / u.ms, beta=0.1 / u.ms)
    syn.init_state()
    depol = jnp.array([40.0]) * u.mV            # F(40 mV) = 1 - 2e-9
    s_up = _drive(syn, depol, 5_000)[:, 0]      # 50 ms of depolarisation
    s_inf = 12.0 / 12.1
    assert np.all(np.diff(s_up) >= 0), "s must rise monotonically while V_pre is high"
    np.testing.assert_allclose(s_up[-1], s_inf, rtol=1e-4,
                               err_msg="s must settle at α F / (α F + β) = 12/12.1")
    # Rise time constant 1/(α + β) ≈ 0.083 ms: after 0.5 ms s is within 1 % of s∞.
    assert s_up[49] > 0.99 * s_inf
    rest = jnp.array([-65.0]) * u.mV            # F(−65 mV) ≈ 8e-15: no release
    s_down = _drive(syn, rest, 3_000)[:, 0]     # 30 ms of decay
    t = 0.01 * np.arange(1, 3_001)
    np.testing.assert_allclose(s_down, s_up[-1] * np.exp(-t / 10.0), rtol=1e-4,
                               err_msg="s must decay as exp(−t/τ_syn), τ_syn = 1/β = 10 ms")


def test_release_sigmoid():
    V = jnp.array([-10.0, 0.0, 2.0, 10.0]) * u.mV
    expected = 1 / (1 + np.exp(-np.array([-10, 0, 2, 10]) / 2))
    np.testing.assert_allclose(np.asarray(F_syn(V)), expected, rtol=1e-6)
    np.testing.assert_allclose(float(F_syn(0.0 * u.mV, theta_syn=0.0 * u.mV)), 0.5)
