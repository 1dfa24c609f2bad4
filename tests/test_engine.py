"""The engine simulate, sweep and the cell runs share: one program cache, one way to build a
result, and nothing private imported across modules."""

import ast
from pathlib import Path

import brainunit as u
import numpy as np

import wbmodel as wb
from wbmodel import engine

ROOT = Path(__file__).resolve().parents[1]


def test_every_program_of_the_package_is_in_one_bounded_cache(monkeypatch):
    monkeypatch.setattr(engine, "MAX_PROGRAMS", 2)
    engine.clear_programs()
    try:
        start = engine.compile_count()
        p = wb.WBParams(n_cells=10)
        wb.simulate(p, duration=2 * u.ms)
        wb.fi_curve([1.0] * u.uA / u.cm**2, duration=3 * u.ms, transient=1 * u.ms)
        wb.single_cell.trace(duration=2 * u.ms)
        kinds = [key[0] for key in engine._PROGRAMS]
        assert kinds == ["cells", "trace"], "the oldest (the network) went first"
        assert engine.compile_count() == start + 3, "the count keeps what was let go"
        wb.single_cell.trace(duration=2 * u.ms)
        assert engine.compile_count() == start + 3, "asked again: the same program"
        wb.simulate(p, duration=2 * u.ms)
        assert engine.compile_count() == start + 4, "let go, so compiled again"
        assert len(engine._PROGRAMS) == 2
    finally:
        engine.clear_programs()


def test_the_traced_parameters_are_wbparams_own_table():
    assert set(engine.TRACED) == set(wb.params.UNITS)
    theta = engine.param_arrays(wb.WBParams(g_syn=0.3 * u.mS / u.cm**2))
    assert float(theta["g_syn"]) == np.float32(0.3)
    assert set(theta) == set(wb.params.UNITS) | {"phi", "in_degree", "scaled"}


def test_simulate_and_sweep_build_the_same_result():
    p = wb.WBParams(n_cells=12, I_sigma=0.02 * u.uA / u.cm**2)
    rows = []
    wb.sweep(p, {"g_syn": [0.1] * u.mS / u.cm**2}, seeds=[3], duration=100 * u.ms,
             raster_dt=0.1 * u.ms, summary=lambda r: rows.append(r) or {})
    one = wb.simulate(p, duration=100 * u.ms, seed=3, raster_dt=0.1 * u.ms, record=[])
    (swept,) = rows
    np.testing.assert_array_equal(swept.spikes_packed, one.spikes_packed)
    np.testing.assert_array_equal(swept.I_app_cells.to_decimal(u.uA / u.cm**2),
                                  one.I_app_cells.to_decimal(u.uA / u.cm**2))
    for field in ("dt", "duration", "raster_dt", "V0_range"):
        np.testing.assert_allclose(getattr(swept, field).to_decimal(u.ms if field != "V0_range"
                                                                     else u.mV),
                                   getattr(one, field).to_decimal(u.ms if field != "V0_range"
                                                                   else u.mV), err_msg=field)


def test_no_module_imports_a_private_name_of_another():
    """The engine's names are public; sweep, simulate and the cell runs import only those."""
    offenders = []
    for path in sorted((ROOT / "wbmodel").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                offenders += [f"{path.name}: from .{node.module} import {a.name}"
                              for a in node.names if a.name.startswith("_")]
    assert not offenders, offenders
