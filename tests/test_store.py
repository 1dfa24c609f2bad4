"""Sweeps that survive: rows written as they come, resumed after a crash, damaged files named."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import brainunit as u
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wbmodel as wb
from wbmodel import persistence
from wbmodel.persistence import DamagedFileError, StoreMismatchError, read_store

UA = u.uA / u.cm**2
P = wb.WBParams(n_cells=12)
GRID = {"I_app": [0.8, 1.0, 1.2, 1.4] * UA}
SEEDS = [0, 1]
KW = dict(seeds=SEEDS, duration=40 * u.ms, batch_size=2)


@pytest.fixture(scope="module")
def whole():
    """The same sweep, uninterrupted and without a store."""
    return wb.sweep(P, GRID, **KW)


def test_a_store_gives_the_same_table_and_keeps_every_row(tmp_path, whole):
    t = wb.sweep(P, GRID, store=tmp_path / "s", **KW)
    assert t.equals(whole)
    kept = read_store(tmp_path / "s")
    assert len(kept) == len(whole) == 8
    assert not kept.duplicated(["I_app", "seed"]).any()
    assert [p.name for p in (tmp_path / "s").glob("*.sqlite")] == ["shard-0000.sqlite"]


def test_a_second_call_computes_nothing(tmp_path, whole, monkeypatch):
    wb.sweep(P, GRID, store=tmp_path / "s", **KW)
    from wbmodel import sweeps

    monkeypatch.setattr(sweeps, "network_program",
                        lambda *a, **k: pytest.fail("recomputed a row"))
    assert wb.sweep(P, GRID, store=tmp_path / "s", **KW).equals(whole)


CHILD = textwrap.dedent("""
    import os, signal, sys, brainunit as u, wbmodel as wb
    from wbmodel import persistence
    real_write = persistence.SweepStore.write
    at = int(sys.argv[2]) if len(sys.argv) > 2 else None  # None: run to the end
    def write(self, rows):  # the real write; then, once `at` rows are kept, a hard kill
        real_write(self, rows)
        if at is not None and len(persistence.read_store(sys.argv[1])) >= at:
            os.kill(os.getpid(), signal.SIGKILL)
    persistence.SweepStore.write = write
    UA = u.uA / u.cm**2
    wb.sweep(wb.WBParams(n_cells=12), {"I_app": [0.8, 1.0, 1.2, 1.4] * UA}, seeds=[0, 1],
             duration=40 * u.ms, batch_size=2, store=sys.argv[1], progress=False)
    """)


def _rows_in(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store / 'shard-0000.sqlite'}?mode=ro", uri=True) as c:
            return c.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("at", [2, 6])  # after the first batch of four; before the last
def test_a_sweep_killed_hard_resumes_to_the_same_table(tmp_path, whole, monkeypatch, at):
    """The child kills itself (SIGKILL: no clean-up) right after the batch that brings the
    store to ``at`` rows: a point the test chooses, so resuming always has work to do."""
    store = tmp_path / "s"
    child = subprocess.run([sys.executable, "-c", CHILD, str(store), str(at)], timeout=300)
    assert child.returncode == -signal.SIGKILL, "the child died where it was told to"
    assert _rows_in(store) == at, "every batch before the kill is kept, nothing after it"
    from wbmodel import sweeps

    real, runs = sweeps.network_program, []

    def counted(*args, **kwargs):
        program = real(*args, **kwargs)
        return lambda *a: runs.append(len(a[1])) or program(*a)

    monkeypatch.setattr(sweeps, "network_program", counted)
    resumed = wb.sweep(P, GRID, store=store, **KW)
    assert sum(runs) == 8 - at, "only the rows the store lacks are run again"
    assert resumed.equals(whole), "same rows and values as an uninterrupted run"
    assert len(read_store(store)) == 8 and not read_store(store).duplicated(
        ["I_app", "seed"]).any(), "no row twice"


def test_a_process_killed_inside_a_write_leaves_a_consistent_store(tmp_path):
    """The child dies in the middle of a batch's transaction (after 1 of 2 rows)."""
    store = tmp_path / "s"
    wb.sweep(P, {"I_app": [0.8] * UA}, seeds=SEEDS, duration=40 * u.ms, store=store,
             batch_size=2)
    child = textwrap.dedent("""
        import os, signal, sys, brainunit as u, wbmodel as wb
        from wbmodel import persistence
        real_write, real_key, calls = persistence.SweepStore.write, persistence.point_key, []
        def write(self, rows):  # the real write, armed
            calls.append("armed")
            return real_write(self, rows)
        def point_key(point):  # the 2nd row of the armed write dies before it is inserted
            if calls:
                calls.append(point)
                if len(calls) == 3:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real_key(point)
        persistence.SweepStore.write, persistence.point_key = write, point_key
        UA = u.uA / u.cm**2
        wb.sweep(wb.WBParams(n_cells=12), {"I_app": [0.8, 1.0] * UA}, seeds=[0, 1],
                 duration=40 * u.ms, batch_size=2, store=sys.argv[1], progress=False)
        """)
    r = subprocess.run([sys.executable, "-c", child, str(store)])
    assert r.returncode == -signal.SIGKILL
    t = read_store(store)
    assert len(t) == 2 and set(t.I_app) == {0.8}, "the interrupted batch left no row"
    assert len(wb.sweep(P, {"I_app": [0.8, 1.0] * UA}, seeds=SEEDS, duration=40 * u.ms,
                        store=store, batch_size=2)) == 4


@pytest.mark.parametrize("change, named", [
    (dict(duration=50 * u.ms), "duration_ms"),
    (dict(dt=0.02 * u.ms), "dt_ms"),
    (dict(summary=lambda r: {"x": 1.0}), "summary"),
    (dict(params=wb.WBParams(n_cells=12, g_syn=0.2 * u.mS / u.cm**2)), "params"),
    (dict(V0_range=[-65.0, -55.0] * u.mV), "V0_range_mV"),
])
def test_a_store_of_another_call_is_refused_with_the_difference(tmp_path, change, named):
    wb.sweep(P, {"I_app": [1.0] * UA}, seeds=[0], duration=40 * u.ms, store=tmp_path / "s")
    kw = dict(params=P, grid={"I_app": [1.0] * UA}, seeds=[0], duration=40 * u.ms) | change
    with pytest.raises(StoreMismatchError, match=named):
        wb.sweep(store=tmp_path / "s", **kw)


def test_a_store_keeps_the_range_of_the_initial_V(tmp_path):
    """A non-default range is in the metadata (a resumed call must repeat it); the paper's
    is not, so stores written before the range could change resume as they did."""
    narrow = dict(grid={"I_app": [1.0] * UA}, seeds=[0], duration=40 * u.ms,
                  V0_range=[-65.0, -55.0] * u.mV)
    first = wb.sweep(P, store=tmp_path / "s", **narrow)
    assert wb.sweep(P, store=tmp_path / "s", **narrow).equals(first)
    assert "V0_range_mV" not in _meta(P)
    with pytest.raises(StoreMismatchError, match="V0_range_mV"):
        wb.sweep(P, {"I_app": [1.0] * UA}, seeds=[0], duration=40 * u.ms, store=tmp_path / "s")


def _meta(params):
    from wbmodel.sweeps import _store_meta

    return _store_meta(params, 40.0, 0.01, 0.1, None, None)


def test_two_sweeps_on_one_store_at_once_both_work(tmp_path, whole):
    store = tmp_path / "s"
    kids = [subprocess.Popen([sys.executable, "-c", CHILD, str(store)]) for _ in range(2)]
    assert [k.wait() for k in kids] == [0, 0]
    t = wb.sweep(P, GRID, store=store, **KW)
    assert t.equals(whole) and len(read_store(store)) == 8


# -- damaged and foreign files ------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("r") / "run.npz"
    wb.simulate(wb.WBParams(n_cells=4), duration=5 * u.ms).save(path)
    return path


@pytest.mark.parametrize("damage", ["truncated", "empty", "text", "foreign-npz"])
def test_load_names_a_damaged_or_foreign_file(tmp_path, saved, damage):
    path = tmp_path / "bad.npz"
    data = saved.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "text":
        path.write_text("kappa,frequency\n1.0,39\n")
    else:
        np.savez(path, a=np.arange(3))
    with pytest.raises(DamagedFileError, match=r"bad\.npz.*(damaged|not a wbmodel)"):
        wb.SimulationResult.load(path)


@pytest.mark.parametrize("damage", ["truncated", "empty", "foreign", "not-a-folder"])
def test_the_store_names_a_damaged_or_foreign_shard(tmp_path, damage):
    store = tmp_path / "s"
    wb.sweep(P, {"I_app": [1.0] * UA}, seeds=[0], duration=40 * u.ms, store=store)
    shard = store / "shard-0000.sqlite"
    for extra in store.glob("shard-0000.sqlite-*"):  # WAL files: the sweep closed cleanly
        extra.unlink()
    if damage == "truncated":
        shard.write_bytes(shard.read_bytes()[:1000])
    elif damage == "empty":
        shard.write_bytes(b"\0" * 4096)
    elif damage == "foreign":
        shard.unlink()
        with sqlite3.connect(shard) as c:
            c.execute("CREATE TABLE other (x)")
    else:
        store = tmp_path / "file"
        store.write_text("not a store")
    with pytest.raises(DamagedFileError, match="(damaged|not a (wbmodel )?sweep store)"):
        read_store(store)
    with pytest.raises(DamagedFileError, match="(damaged|not a (wbmodel )?sweep store)"):
        wb.sweep(P, {"I_app": [1.0] * UA}, seeds=[0], duration=40 * u.ms, store=store)


def test_a_shard_another_process_is_creating_reads_as_empty(tmp_path, whole):
    """Another process's shard exists from its first moment, before it has any table."""
    store = tmp_path / "s"
    store.mkdir()
    (store / "shard-0001.sqlite").touch()  # created, not yet initialised
    assert wb.sweep(P, GRID, store=store, **KW).equals(whole)
    assert len(read_store(store)) == 8


def test_kappa_of_a_silent_window_says_no_cell_fired():
    r = wb.simulate(wb.WBParams(n_cells=5, I_app=0.0 * UA), duration=100 * u.ms)
    with pytest.raises(ValueError, match="κ is undefined: no cell fired"):
        wb.coherence(r)


# -- any split of a grid into interrupted runs gives the one-run table -------------------------

ALL = [(i, s) for i in (0.8, 1.0, 1.2, 1.4) for s in SEEDS]


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(ALL), min_size=1, max_size=5), min_size=1,
                max_size=3))
def test_any_split_into_interrupted_runs_gives_the_same_table(tmp_path_factory, whole, parts):
    store = tmp_path_factory.mktemp("split") / "s"
    for part in parts:  # earlier, partial calls (grids given point by point)
        pts = [{"I_app": i * UA} for i in sorted({i for i, _ in part})]
        seeds = sorted({s for _, s in part})
        wb.sweep(P, pts, seeds=seeds, duration=40 * u.ms, batch_size=2, store=store)
    assert wb.sweep(P, GRID, store=store, **KW).equals(whole)
    assert len(persistence.read_store(store)) == 8


RACE = textwrap.dedent("""
    import importlib.util, sys, time
    spec = importlib.util.spec_from_file_location("persistence", sys.argv[1])
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    while time.time() < float(sys.argv[3]):  # all start together
        pass
    store = m.SweepStore(sys.argv[2], {"call": 1}, shard=0)
    store.write([({"I_app": 1.0}, int(sys.argv[4]), {"kappa": 1.0})])
    print(len(store.rows()))
    store.close()
    """)


def test_writers_starting_together_on_a_new_store_all_finish(tmp_path):
    """Four writers open a new shard at the same moment, ten times: SQLite reports the WAL
    switch and the half-created shard as 'locked' or as a shard without its tables; each
    writer must wait, not call the store damaged."""
    for k in range(10):
        store, start = tmp_path / f"s{k}", time.time() + 0.5
        kids = [subprocess.Popen([sys.executable, "-c", RACE, persistence.__file__, str(store),
                                  str(start), str(seed)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for seed in range(4)]
        outs = [p.communicate(timeout=120) for p in kids]
        assert all(p.returncode == 0 for p in kids), [err[-300:] for _, err in outs]
        assert len(read_store(store)) == 4


def test_resuming_with_another_summary_of_the_same_name_is_refused(tmp_path):
    """Two lambdas share a name (__main__.<lambda>); the store knows them apart by their
    code, refuses the second and mixes nothing."""
    from wbmodel.sweeps import summary_fingerprint

    first = lambda r: {"x": 1.0}  # noqa: E731 (two lambdas are the point)
    second = lambda r: {"x": 2.0}  # noqa: E731
    assert first.__qualname__ == second.__qualname__
    assert summary_fingerprint(first) != summary_fingerprint(second)
    assert summary_fingerprint(first) == summary_fingerprint(lambda r: {"x": 1.0})
    run = dict(params=P, grid={"I_app": [1.0] * UA}, seeds=[0], duration=40 * u.ms,
               store=tmp_path / "s")
    rows = wb.sweep(summary=first, **run)
    with pytest.raises(StoreMismatchError, match="summary"):
        wb.sweep(summary=second, **run)
    assert read_store(tmp_path / "s").x.tolist() == rows.x.tolist() == [1.0]
    assert wb.sweep(summary=first, **run).x.tolist() == [1.0], "the same code resumes"
