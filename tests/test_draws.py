"""The random draws of a network: JAX's generator, exact transforms, the page's own copy.

wbmodel draws each cell's drive, initial V and the wiring on the host from Threefry-2x32
bits with IEEE-754's correctly rounded operations only (wbmodel.draws); the page's
JavaScript repeats them. These tests check the generator against JAX's, the transforms
against SciPy, their statistics, and that Node draws the very same networks, bit for bit.
"""

from __future__ import annotations

import brainunit as u
import jax.numpy as jnp
import node
import numpy as np
import pytest
from scipy import special, stats

import wbmodel as wb
from wbmodel import browser as web
from wbmodel import draws
from wbmodel.simulation import initial_state

UA = u.uA / u.cm**2

#: The networks whose draws the page must repeat exactly (issue #21's list, plus the other
#: two wirings and M = N − 1).
CASES = {
    "all-to-all": wb.WBParams(),
    "N=200,M=10": wb.WBParams(n_cells=200, n_inputs=10),
    "I_sigma=0.03": wb.WBParams(I_sigma=0.03 * UA),
    "N=1000,M=50": wb.WBParams(n_cells=1000, n_inputs=50, I_sigma=0.02 * UA),
    "bernoulli": wb.WBParams(n_cells=300, n_inputs=20, wiring="bernoulli"),
    "bernoulli_scaled": wb.WBParams(n_cells=100, n_inputs=60, wiring="bernoulli_scaled",
                                    I_sigma=0.1 * UA),
    "M=N-1": wb.WBParams(n_cells=50, n_inputs=49),
}
SEEDS = list(range(20)) + [2**31 - 1, 2**40 + 7]


def test_threefry_is_jaxs():
    from jax.extend.random import threefry2x32_p

    rng = np.random.default_rng(0)
    for _ in range(3):
        k = rng.integers(0, 2**32, size=2, dtype=np.uint64).astype(np.uint32)
        x = rng.integers(0, 2**32, size=(2, 513), dtype=np.uint64).astype(np.uint32)
        theirs = threefry2x32_p.bind(jnp.uint32(k[0]), jnp.uint32(k[1]), jnp.asarray(x[0]),
                                     jnp.asarray(x[1]))
        ours = draws.threefry2x32(k[0], k[1], x[0], x[1])
        for a, b in zip(theirs, ours, strict=True):
            np.testing.assert_array_equal(np.asarray(a), b)


def test_the_logarithm_is_within_one_ulp():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.random(200_000), 10.0 ** rng.uniform(-300, 300, 20_000),
                        [2**-1022, 0.5, 1.0, 2.0, np.nextafter(1.0, 0), np.nextafter(1.0, 2)]])
    ours, ref = draws.log(x), np.log(x)
    ulps = np.abs(ours - ref) / np.spacing(np.maximum(np.abs(ref), 2**-1022))
    assert ulps.max() <= 1.0, ulps.max()
    assert draws.log(1.0) == 0.0


def test_the_normal_quantile_matches_scipy():
    p = np.concatenate([draws.open_uniform(5, 0, np.arange(100_000)),
                        [2**-53, 1e-300, 1e-20, 0.02425, 0.075, 0.5, 0.925, 1 - 2**-53]])
    z, ref = draws.normal_icdf(p), special.ndtri(p)
    np.testing.assert_allclose(z, ref, rtol=1e-14, atol=1e-15)
    assert np.all(np.diff(draws.normal_icdf(np.linspace(1e-9, 1 - 1e-9, 10_001))) > 0), \
        "the quantile increases"


def test_drives_are_normal_and_potentials_uniform():
    z = (draws.drives(1.0, 0.25, 3, 200_000).astype(float) - 1.0) / 0.25
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01, (z.mean(), z.std())
    assert stats.kstest(z, "norm").pvalue > 1e-3
    V = draws.initial_V(3, 200_000).astype(float)
    assert V.min() >= -70 and V.max() < -50
    assert stats.kstest((V + 70) / 20, "uniform").pvalue > 1e-3
    assert np.all(draws.drives(1.0, 0.0, 9, 100) == np.float32(1.0)), "no spread: I_app exactly"


def test_seeds_differ_and_repeat():
    a, b = draws.initial_V(0, 100), draws.initial_V(1, 100)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, draws.initial_V(0, 100))
    np.testing.assert_array_equal(draws.initial_V(0, 50), a[:50]), "cell i's draw is its own"
    with pytest.raises(ValueError, match="seed"):
        wb.simulate(wb.WBParams(), duration=1 * u.ms, seed=2**64)


def test_the_page_draws_the_same_networks_bit_for_bit():
    jobs = [(name, seed) for name in CASES for seed in SEEDS]
    out = node.run("""return args.map(([p, seed]) => {
        const s = wb.initialState(wb.checkParams(p), seed);
        return [Array.from(s.I), Array.from(s.V0), s.pre && Array.from(s.pre)]; });""",
                   [[web.js_params(CASES[name]), seed] for name, seed in jobs])
    for (name, seed), (I, V0, pre) in zip(jobs, out, strict=True):
        ref = initial_state(CASES[name], seed)
        np.testing.assert_array_equal(np.float32(I), ref["I_app_cells"].to_decimal(UA),
                                      err_msg=f"{name}, seed {seed}: drives")
        np.testing.assert_array_equal(np.float32(V0), ref["V0"].to_decimal(u.mV),
                                      err_msg=f"{name}, seed {seed}: initial V")
        if ref["pre_indices"] is None:
            assert pre is None, name
        else:
            np.testing.assert_array_equal(
                np.reshape(pre, ref["pre_indices"].shape), ref["pre_indices"],
                err_msg=f"{name}, seed {seed}: wiring")


# -- the range of the initial V -----------------------------------------------------------------

#: Spreads of initial V (mV) the page offers, around −60 mV: the paper's 20, narrower ones, 0
#: (every cell identical) and some whose ends float32 cannot hold.
SPREADS = [20.0, 5.0, 1.0, 0.0, 0.3, 12.345, 19.99]


def test_the_default_range_draws_what_it_always_drew():
    """V0 = −70 + 20·u in float64, once rounded to float32: every existing network is kept."""
    for seed in (0, 1, 7, 2**31 - 1, 2**40 + 7):
        old = (-70.0 + 20.0 * draws.uniform(seed, draws.STREAM_V0, np.arange(300))).astype(
            np.float32)
        np.testing.assert_array_equal(draws.initial_V(seed, 300), old)
        np.testing.assert_array_equal(draws.initial_V(seed, 300, (-70.0, -50.0)), old)
        np.testing.assert_array_equal(
            draws.initial_V(seed, 300, draws.V_range_of_spread(20.0)), old)
        for V0_range in (None, [-70.0, -50.0] * u.mV, (-70.0 * u.mV, -50.0 * u.mV),
                         [-0.07, -0.05] * u.volt):
            got = initial_state(wb.WBParams(n_cells=300), seed, V0_range)["V0"]
            np.testing.assert_array_equal(got.to_decimal(u.mV), old, err_msg=str(V0_range))


def test_the_spread_gives_the_range_exactly():
    assert draws.V_range_of_spread(20) == (-70.0, -50.0)
    assert draws.V_range_of_spread(20.0) == draws.V_INIT_RANGE
    assert draws.V_range_of_spread(0) == (-60.0, -60.0)
    assert draws.V_range_of_spread(5.0) == (-62.5, -57.5)
    assert draws.V_range_of_spread(2.0, centre=-65.0) == (-66.0, -64.0)
    for bad in (-1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="spread"):
            draws.V_range_of_spread(bad)


def test_the_range_gives_its_spread_back_exactly():
    """spread_of_V_range inverts V_range_of_spread, bit for bit, with the spread as typed:
    hi − lo alone does not (8.01 gives (−64.005, −55.995), 8.009999999999998 apart)."""
    lo, hi = draws.V_range_of_spread(8.01)
    assert draws.V_range_of_spread(hi - lo) != (lo, hi), "the case the inverse is for"
    rng = np.random.default_rng(7)
    spreads = [8.01, 18.973, 0.3, 12.345, 0.0, 20.0] + [
        round(float(x), 6) for x in rng.uniform(0.0, 20.0, 1000)]
    for s in spreads:
        lo, hi = draws.V_range_of_spread(s)
        back = draws.spread_of_V_range(lo, hi)
        assert back == s and draws.V_range_of_spread(back) == (lo, hi), (s, back)
    lo, hi = draws.V_range_of_spread(2.5, centre=-65.0)
    assert draws.spread_of_V_range(lo, hi, centre=-65.0) == 2.5


@pytest.mark.parametrize("lo, hi, match", [
    (-70.0, -60.0, "not centred at -60 mV"),
    (-61.0, -59.0000001, "not centred at -60 mV"),
    (-50.0, -70.0, "lo <= hi"),
    (-70.0, np.inf, "finite"),
])
def test_a_range_without_a_spread_is_refused(lo, hi, match):
    with pytest.raises(ValueError, match=match):
        draws.spread_of_V_range(lo, hi)


@pytest.mark.parametrize("spread", [5.0, 1.0, 0.3])
def test_a_narrow_range_draws_inside_it(spread):
    lo, hi = draws.V_range_of_spread(spread)
    V = draws.initial_V(3, 50_000, (lo, hi)).astype(np.float64)
    assert V.min() >= np.float32(lo) and V.max() <= np.float32(hi), (V.min(), V.max())
    assert V.max() - V.min() > 0.99 * (np.float32(hi) - np.float32(lo))
    assert stats.kstest((V - lo) / (hi - lo), "uniform").pvalue > 1e-3
    ref = initial_state(wb.WBParams(n_cells=200), 3, (lo * u.mV, hi * u.mV))["V0"]
    np.testing.assert_array_equal(ref.to_decimal(u.mV), V[:200])


def test_lo_equal_to_hi_starts_every_cell_identical():
    V = draws.initial_V(5, 100, (-60.0, -60.0))
    assert np.all(V == np.float32(-60.0))
    V = initial_state(wb.WBParams(n_cells=100), 5, [-58.5, -58.5] * u.mV)["V0"]
    assert np.all(np.asarray(V.to_decimal(u.mV)) == np.float32(-58.5))


@pytest.mark.parametrize("V_range, match", [
    ((-50.0, -70.0), "lo <= hi"),
    ((np.nan, -50.0), "finite"),
    ((-70.0, np.inf), "finite"),
])
def test_bad_ranges_are_refused_by_the_draws(V_range, match):
    with pytest.raises(ValueError, match=match):
        draws.initial_V(0, 10, V_range)


@pytest.mark.parametrize("V0_range, error, match", [
    ([-50.0, -70.0] * u.mV, ValueError, "lo <= hi"),
    ((-50.0 * u.mV, -70.0 * u.mV), ValueError, "lo <= hi"),
    ([-70.0, np.nan] * u.mV, ValueError, "finite"),
    ([-70.0, -60.0, -50.0] * u.mV, ValueError, "two"),
    (-60.0 * u.mV, ValueError, "two"),
    ((-60.0 * u.mV,), ValueError, "two"),
    ((-70.0, -50.0), TypeError, "mV"),
    (np.array([-70.0, -50.0]), TypeError, "mV"),
    ([-70.0, -50.0] * u.ms, TypeError, "mV"),
    ((-70.0 * u.mV, -50.0 * u.ms), TypeError, "mV"),
])
def test_bad_ranges_are_refused_by_name(V0_range, error, match):
    with pytest.raises(error, match=match) as e:
        initial_state(wb.WBParams(n_cells=4), 0, V0_range)
    assert "V0_range" in str(e.value)


def test_a_pair_of_scalars_keeps_float64():
    """Ends float32 cannot hold reach the draws intact from a pair (a list is float32)."""
    lo, hi = draws.V_range_of_spread(0.3)
    assert float(np.float32(lo)) != lo, "the test needs an end float32 cannot hold"
    from wbmodel.simulation import check_V0_range

    assert check_V0_range((lo * u.mV, hi * u.mV)) == (lo, hi)
    assert check_V0_range(np.array([lo, hi]) * u.mV) == (lo, hi)


def test_the_page_draws_the_same_initial_V_for_every_spread():
    jobs = [(name, seed, spread) for name in ("all-to-all", "N=200,M=10", "bernoulli")
            for seed in (0, 1, 2**31 - 1, 2**40 + 7) for spread in SPREADS]
    out = node.run("""return args.map(([p, seed, spread]) => {
        const range = wb.VRangeOfSpread(spread);
        const s = wb.initialState(wb.checkParams(p), seed, range);
        return [range, Array.from(s.V0), Array.from(s.I)]; });""",
                   [[web.js_params(CASES[name]), seed, spread] for name, seed, spread in jobs])
    for (name, seed, spread), (js_range, V0, I) in zip(jobs, out, strict=True):
        lo, hi = draws.V_range_of_spread(spread)
        assert js_range == [lo, hi], (spread, js_range, (lo, hi))  # the same float64 numbers
        ref = initial_state(CASES[name], seed, (lo * u.mV, hi * u.mV))
        np.testing.assert_array_equal(np.float32(V0), ref["V0"].to_decimal(u.mV),
                                      err_msg=f"{name}, seed {seed}, spread {spread}")
        np.testing.assert_array_equal(np.float32(I), ref["I_app_cells"].to_decimal(UA),
                                      err_msg=f"{name}, seed {seed}: the drives do not move")


def test_the_page_refuses_bad_ranges():
    out = node.run("""return [[-50, -70], [NaN, -50], [-70], null, 'x'].map((r) => {
        try { wb.initialState(wb.checkParams({n_cells: 3}), 0, r); return null; }
        catch (e) { return e.message; } }).concat([-1, NaN].map((s) => {
        try { wb.VRangeOfSpread(s); return null; } catch (e) { return e.message; } }));""")
    assert all(m and ("V0_range" in m or "spread" in m) for m in out), out
