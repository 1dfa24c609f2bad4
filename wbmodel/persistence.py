"""Files: one run's result (``.npz``) and the on-disk store of a sweep (SQLite shards).

Everything wbmodel writes to disk lives here, with its versioned metadata:

- :func:`save_result` / :func:`load_result` (behind :meth:`~wbmodel.SimulationResult.save` and
  :meth:`~wbmodel.SimulationResult.load`): arrays plus JSON metadata in one ``.npz``, written
  atomically (a temporary file renamed into place).
- :class:`SweepStore` (behind ``wb.sweep(..., store=PATH)``): a folder of SQLite files,
  ``shard-0000.sqlite`` … one per process of a ``jax.distributed`` run, each row keyed by
  its grid point and seed. A batch of rows is one SQLite transaction: a crash during a
  write leaves the rows of earlier batches and none of the interrupted one. Reading the
  store reads every shard.

Why SQLite rather than Parquet: it comes with Python (no new dependency), a transaction
makes each batch atomic without temporary files, a primary key on (point, seed) makes a
duplicate row impossible, its file lock serialises two writers on one shard, and pandas
reads it (``pandas.read_sql``). Parquet would need pyarrow and one file per batch.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["FILE_FORMAT", "STORE_FORMAT", "DamagedFileError", "NewerFormatError",
           "StoreMismatchError",
           "SweepStore", "save_result", "load_result", "read_store", "versions"]

#: Version of the file layout written by :meth:`~wbmodel.SimulationResult.save`.
FILE_FORMAT = 1

#: Version of the sweep store's layout.
STORE_FORMAT = 1


class DamagedFileError(ValueError):
    """A file is truncated or corrupt, or is not a file that wbmodel wrote."""


class NewerFormatError(ValueError):
    """A file was written by a newer wbmodel, in a layout this one does not read."""


class StoreMismatchError(ValueError):
    """A sweep store was written by a different call (model version, duration, dt, …)."""


def versions() -> dict:
    """Versions of wbmodel and its main dependencies (None where not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("wbmodel", "brainpy", "brainstate", "braintools", "brainunit", "jax", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


# -- one result -------------------------------------------------------------------------------

def save_result(result, path) -> None:
    """Write a :class:`~wbmodel.simulation.SimulationResult` to ``path``, atomically."""
    import brainunit as u

    from .params import UA_PER_CM2

    path = Path(path)
    meta = {
        "format": FILE_FORMAT,
        "params": result.params.to_dict(), "units": result.params.units(),
        "dt_ms": float(result.dt.to_decimal(u.ms)),
        "duration_ms": float(result.duration.to_decimal(u.ms)),
        "raster_dt_ms": float(result.raster_dt.to_decimal(u.ms)), "seed": result.seed,
        # the range the initial V were drawn from (files written before it had the paper's)
        "V0_range_mV": [float(x) for x in np.asarray(result.V0_range.to_decimal(u.mV))],
        "versions": versions(),
    }
    arrays = dict(
        meta=np.array(json.dumps(meta)), spikes_packed=result.spikes_packed,
        record_cells=result.record_cells, V_mV=np.asarray(result.V.to_decimal(u.mV)),
        V_mean_mV=np.asarray(result.V_mean.to_decimal(u.mV)),
        I_app_cells=np.asarray(result.I_app_cells.to_decimal(UA_PER_CM2)))
    if result.pre_indices is not None:
        arrays["pre_indices"] = result.pre_indices
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_result(cls, path):
    """Read a result written by :func:`save_result` (``cls``: SimulationResult).

    Raises
    ------
    DamagedFileError
        If the file is empty, truncated, corrupt or not a wbmodel result; the message names
        the file.
    NewerFormatError
        If it comes from a newer file format (a ValueError).
    """
    import brainunit as u

    from .params import UA_PER_CM2, WBParams

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such result file: {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            files = set(z.files)
            if "meta" not in files:
                raise DamagedFileError(
                    f"{path} is not a wbmodel SimulationResult file (no metadata)")
            meta = json.loads(str(z["meta"]))
            fmt = meta.get("format")
            if not isinstance(fmt, int) or fmt > FILE_FORMAT:
                raise NewerFormatError(
                    f"{path} has file format {fmt!r}, newer than this wbmodel reads "
                    f"({FILE_FORMAT}); upgrade wbmodel (it was written by "
                    f"{meta.get('versions', {}).get('wbmodel', 'an unknown version')})")
            return cls(
                params=WBParams.from_dict(meta["params"]), dt=meta["dt_ms"] * u.ms,
                duration=meta["duration_ms"] * u.ms, seed=meta["seed"],
                I_app_cells=z["I_app_cells"] * UA_PER_CM2, spikes_packed=z["spikes_packed"],
                record_cells=z["record_cells"], V=z["V_mV"] * u.mV,
                V_mean=z["V_mean_mV"] * u.mV,
                pre_indices=z["pre_indices"] if "pre_indices" in files else None,
                raster_dt=meta["raster_dt_ms"] * u.ms,
                V0_range=_V0_range_of(meta))
    except (DamagedFileError, NewerFormatError):
        raise
    except (ValueError, zipfile.BadZipFile, EOFError, OSError, KeyError, TypeError) as e:
        # ValueError: pickled or malformed arrays, JSON that does not parse
        raise DamagedFileError(_damaged(path, e)) from e


def _V0_range_of(meta: dict):
    """A file's range of initial V (mV): the paper's where the file predates the field."""
    import brainunit as u

    from .draws import V_INIT_RANGE

    lo, hi = meta.get("V0_range_mV", V_INIT_RANGE)
    return (float(lo) * u.mV, float(hi) * u.mV)


def _damaged(path, e) -> str:
    size = path.stat().st_size if path.exists() else 0
    return (f"{path} is damaged (truncated or corrupt) or is not a wbmodel result file "
            f"({size} bytes; {type(e).__name__}: {e}); save the result again")


# -- the sweep store --------------------------------------------------------------------------

def point_key(point: dict) -> str:
    """A grid point as the text that keys its rows: canonical JSON (sorted names)."""
    return json.dumps(point, sort_keys=True, separators=(",", ":"))


class SweepStore:
    """The on-disk store of one sweep: a folder of SQLite shards, one per process.

    Parameters
    ----------
    path : path-like
        The folder (created if missing).
    meta : dict
        What the rows depend on (model version, the parameters' defaults, duration, dt,
        raster_dt, summary). A store written with other metadata is refused.
    shard : int
        This process's shard (``jax.process_index()``).

    Raises
    ------
    StoreMismatchError
        If the store holds rows of another call; the message names every difference.
    DamagedFileError
        If a shard is not a wbmodel store or is corrupt.
    """

    def __init__(self, path, meta: dict, shard: int = 0):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise DamagedFileError(f"{self.path} is not a sweep store (a store is a folder of "
                                   "shard-NNNN.sqlite files)")
        self.path.mkdir(parents=True, exist_ok=True)
        self.meta = {"store_format": STORE_FORMAT, **meta}
        for other in self.shards():
            self._check_meta(other, _read_meta(other))
        self.file = self.path / f"shard-{shard:04d}.sqlite"
        self._conn = _connect(self.file)
        # Read-or-write the metadata under the shard's write lock: a second writer arriving
        # at the same moment finds the first one's metadata and is checked against it.
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            stored = _read_meta(self.file, self._conn)
            if stored is None:
                self._conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                    (k, json.dumps(v)) for k, v in self.meta.items()])
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            self._conn.close()
            raise
        self._check_meta(self.file, stored)

    def shards(self) -> list[Path]:
        """The store's shard files."""
        return sorted(self.path.glob("shard-*.sqlite"))

    def _check_meta(self, file, stored: dict | None) -> None:
        if stored is None:
            return
        diff = [f"{k}: the store has {stored.get(k)!r}, this call {self.meta.get(k)!r}"
                for k in sorted(set(stored) | set(self.meta)) if stored.get(k) != self.meta.get(k)]
        if diff:
            raise StoreMismatchError(
                f"the sweep store {self.path} was written by another call ({file.name}); "
                "use another store, or the same arguments. Differences: " + "; ".join(diff))

    def rows(self) -> list[tuple[str, int, dict]]:
        """(point key, seed, row) of every row in the store (every shard)."""
        return _rows(self.shards(), self._conn, self.file)

    def done(self) -> set[tuple[str, int]]:
        """(point key, seed) of every row in the store (every shard)."""
        return {(p, s) for p, s, _ in self.rows()}

    def write(self, rows: list[tuple[dict, int, dict]]) -> None:
        """Append one batch of (point, seed, row) atomically (one transaction).

        A row already in the store is left as it is (the same point and seed give the same
        row: a resumed sweep never writes a row twice).
        """
        with self._conn:  # BEGIN … COMMIT, or ROLLBACK on any error or a crash
            for point, seed, row in rows:
                self._conn.execute("INSERT OR IGNORE INTO rows VALUES (?, ?, ?)",
                                   (point_key(point), int(seed), json.dumps(row)))

    def table(self):
        """Every row of every shard, as a pandas DataFrame (ordered by point, then seed)."""
        return _frame(_rows(self.shards(), self._conn, self.file))

    def close(self) -> None:
        """Close this process's shard."""
        self._conn.close()


def read_store(path):
    """The table of a sweep store (every shard), as a pandas DataFrame.

    Raises
    ------
    DamagedFileError
        If ``path`` is not a store or a shard is damaged.
    """
    path = Path(path)
    if not path.is_dir():
        raise DamagedFileError(f"{path} is not a sweep store (no such folder)")
    shards = sorted(path.glob("shard-*.sqlite"))
    if not shards:
        raise DamagedFileError(f"{path} is not a sweep store (no shard-NNNN.sqlite inside)")
    for s in shards:
        _read_meta(s)
    return _frame(_rows(shards))


#: How long a reader or writer waits for another process's lock on a shard (s).
LOCK_TIMEOUT = 60.0


def _busy(e: sqlite3.Error) -> bool:
    """Whether an SQLite error is another connection's lock, not damage."""
    code = getattr(e, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _retrying(file: Path, action):
    """``action()`` on a shard, again while another process holds a lock on it.

    SQLite reports some locks at once, without its busy timeout (another process switching
    a new file to WAL, say). An error that is not a lock means the file is damaged.
    """
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            return action()
        except sqlite3.DatabaseError as e:
            if not _busy(e):
                raise DamagedFileError(f"{file} is damaged or is not a wbmodel sweep store "
                                       f"({type(e).__name__}: {e})") from e
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{file} stayed locked by another process for "
                                   f"{LOCK_TIMEOUT:g} s") from e
            time.sleep(0.02)


def _connect(file: Path) -> sqlite3.Connection:
    def connect():
        conn = sqlite3.connect(file, timeout=LOCK_TIMEOUT, isolation_level="DEFERRED")
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("BEGIN IMMEDIATE")  # both tables at once: no reader sees one alone
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            conn.execute("CREATE TABLE IF NOT EXISTS rows (point TEXT, seed INTEGER, row TEXT, "
                         "PRIMARY KEY (point, seed))")
            conn.commit()
        except BaseException:
            conn.close()
            raise
        return conn

    return _retrying(file, connect)


def _open_ro(file: Path) -> sqlite3.Connection:
    """A read-only connection to another shard (it may be written meanwhile)."""
    return sqlite3.connect(f"file:{file}?mode=ro", uri=True, timeout=LOCK_TIMEOUT)


def _reading(file: Path, read, conn=None):
    """``read(connection)`` on ``conn``, or on a read-only connection closed after."""
    def action():
        if conn is not None:
            return read(conn)
        c = _open_ro(file)
        try:
            return read(c)
        finally:
            c.close()

    return _retrying(file, action)


def _tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _read_meta(file: Path, conn=None) -> dict | None:
    def read(c):
        tables = _tables(c)
        if not tables:  # another process has just created it: no metadata yet
            return None
        if not {"meta", "rows"} <= tables:
            raise DamagedFileError(f"{file} is not a wbmodel sweep store (tables {sorted(tables)})")
        return {k: json.loads(v) for k, v in c.execute("SELECT key, value FROM meta")} or None

    return _reading(file, read, conn)


def _rows(shards, conn=None, own_file=None):
    def read(c):
        if "rows" not in _tables(c):  # a shard another process is creating right now
            return []
        return [(p, seed, json.loads(r)) for p, seed, r in
                c.execute("SELECT point, seed, row FROM rows")]

    out = []
    for s in shards:
        out += _reading(s, read, conn if s == own_file else None)
    return out


def _frame(rows):
    import pandas as pd

    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    return pd.DataFrame([{**json.loads(p), "seed": s, **row} for p, s, row in rows])
