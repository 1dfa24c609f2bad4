"""WBParams: the paper's defaults, units checked, bad values refused with the parameter named."""

import brainunit as u
import pytest

import wbmodel as wb

UA = u.uA / u.cm**2
MS = u.mS / u.cm**2


def test_defaults_are_the_papers():
    p = wb.WBParams()
    assert p.n_cells == 100 and p.n_inputs is None and p.phi == 5.0
    assert p.in_degree == 99
    assert float(p.I_app.to_decimal(UA)) == 1.0 and float(p.g_syn.to_decimal(MS)) == 0.1
    assert float(p.E_syn.to_decimal(u.mV)) == -75.0
    assert float(p.tau_syn.to_decimal(u.ms)) == pytest.approx(10.0)
    assert float(p.g_per_synapse.to_decimal(MS)) == pytest.approx(0.1 / 99)


def test_frozen_and_replace():
    p = wb.WBParams()
    with pytest.raises(AttributeError):
        p.phi = 3.0
    q = p.replace(tau_syn=5 * u.ms, I_app=2 * UA)
    assert float(q.beta.to_decimal(u.ms**-1)) == pytest.approx(0.2) and p.phi == q.phi
    assert wb.WBParams.from_dict(q.to_dict()) == q


@pytest.mark.parametrize("name, value, error", [
    ("I_app", 1.0 * u.mV, TypeError),
    ("I_app", 1.0, TypeError),
    ("g_syn", 0.1, TypeError),
    ("g_syn", 0.1 * u.mV, TypeError),
    ("E_syn", -75 * u.mS / u.cm**2, TypeError),
    ("beta", 10 * u.ms, TypeError),
    ("g_syn", -0.1 * MS, ValueError),
    ("I_sigma", -0.1 * UA, ValueError),
    ("alpha", 0 / u.ms, ValueError),
    ("beta", -1 / u.ms, ValueError),
    ("I_app", float("nan") * UA, ValueError),
    ("E_syn", float("inf") * u.mV, ValueError),
    ("phi", 0.0, ValueError),
    ("phi", -1.0, ValueError),
    ("phi", float("nan"), ValueError),
    ("phi", 2 * u.mV, TypeError),
    ("n_cells", 1, ValueError),
    ("n_cells", 10.5, ValueError),
    ("n_inputs", 0, ValueError),
    ("n_inputs", 100, ValueError),
])
def test_bad_values_name_the_parameter(name, value, error):
    with pytest.raises(error, match=name):
        wb.WBParams(**{name: value})


def test_unknown_field_in_replace():
    with pytest.raises(TypeError, match="I_mu"):
        wb.WBParams().replace(I_mu=1 * UA)


@pytest.mark.parametrize("kw, match", [
    (dict(duration=10 * u.mV), "duration"),
    (dict(dt=100 * u.Hz), "dt"),
    (dict(dt=0 * u.ms), "dt"),
    (dict(dt=0.1 * u.ms), "accuracy bound"),
    (dict(duration=-1 * u.ms), "duration"),
    (dict(duration=10.005 * u.ms), "whole number"),
    (dict(seed=-1), "seed"),
])
def test_simulate_checks_its_arguments(kw, match):
    with pytest.raises((TypeError, ValueError), match=match):
        wb.simulate(wb.WBParams(n_cells=4), **{"duration": 10 * u.ms, **kw})


@pytest.mark.parametrize("call, match", [
    (lambda: wb.fi_curve(1.0 * u.mV), "I_values"),
    (lambda: wb.fi_curve([] * UA), "I_values"),
    (lambda: wb.fi_curve(1.0 * UA, phi=0.0), "phi"),
    (lambda: wb.fi_curve(1.0 * UA, dt=1.0 * u.Hz), "dt"),
    (lambda: wb.run_cells(1.0 * UA, duration=100 * u.ms, transient=100 * u.ms), "transient"),
    (lambda: wb.fi_curve(1.0 * UA, method="leapfrog"), "method"),
    (lambda: wb.rheobase(bracket=(0.5, 1.0) * UA), "bracket"),
    (lambda: wb.ahp_trough(0.05 * UA), "repetitive"),
    (lambda: wb.sweep(None, {"I_app": [1.0] * UA}, seeds=[-1], duration=10 * u.ms), "seed"),
    (lambda: wb.sweep(None, {"I_app": [1.0] * UA}, seeds=[], duration=10 * u.ms), "seeds"),
])
def test_other_entry_points_check_their_arguments(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_lower_bounds_are_what_wbparams_enforces():
    """LOWER_BOUNDS (which the page's model copies, tests/test_web_reference.py) is the
    validation itself: each bound is refused or accepted as the table says, and just below
    it is refused."""
    from wbmodel.params import LOWER_BOUNDS, UNITS

    for name, (lo, inclusive) in LOWER_BOUNDS.items():
        unit = UNITS.get(name)

        def at(x, name=name, unit=unit):
            if name == "n_cells":
                return wb.WBParams(n_cells=int(x), n_inputs=None)
            return wb.WBParams(**{name: x * unit if unit is not None else x})

        below = lo - 1 if name == "n_cells" else lo - 1e-3
        with pytest.raises(ValueError, match=name):
            at(below)
        if inclusive:
            at(lo)
        else:
            with pytest.raises(ValueError, match=name):
                at(lo)
    unbounded = set(UNITS) - set(LOWER_BOUNDS)
    assert unbounded == {"I_app", "E_syn", "theta_syn", "E_Na", "E_K", "E_L"}
    wb.WBParams(I_app=-1e3 * UA, E_syn=1e3 * u.mV)  # no upper or lower bound: accepted


def test_the_explorers_ranges_lie_inside_the_models_bounds():
    from wbmodel.browser import RANGES
    from wbmodel.params import LOWER_BOUNDS

    for name, (lo, hi) in RANGES.items():
        assert lo <= hi, name
        bound = LOWER_BOUNDS.get("beta" if name == "tau_syn" else name)
        if bound is not None:
            b, inclusive = bound
            assert lo > b or (inclusive and lo == b), (name, lo, bound)
