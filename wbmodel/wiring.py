"""How a sparse network is wired: who inhibits whom, drawn from the run's seed.

Three schemes (``WBParams(wiring=...)``), each a defensible reading of the paper's "average
number of synaptic contacts per cell" M (which one the paper used is not known to us):

``"fixed"``
    Every cell receives exactly M inputs from distinct other cells, each of weight g_syn/M:
    every cell's total inhibition is g_syn.
``"bernoulli"``
    Each ordered pair j → i (j ≠ i) is connected with probability p = M/(N − 1); in-degrees
    k_i are binomial with mean M, and every synapse weighs g_syn/M, so a cell's total
    inhibition g_syn·k_i/M varies with its in-degree.
``"bernoulli_scaled"``
    The same random pairs, but cell i's synapses weigh g_syn/k_i: every cell's total
    inhibition is g_syn again, only the number of its inputs varies.

The draws use the counter-based generator of :mod:`wbmodel.draws` (stream
``STREAM_WIRING + i`` for cell i) and only operations that JavaScript repeats exactly, so the
page's model draws the same wiring from the same seed. The wiring is an (N, K) index array,
O(N·K) memory, never an N × N matrix; the index N marks padding (a silent source).
"""

from __future__ import annotations

import numpy as np

from .draws import STREAM_WIRING, log, open_uniform, uniform

__all__ = ["WIRINGS", "fixed_in_degree_indices", "bernoulli_indices", "wiring_indices",
           "wiring_width", "in_degrees"]

#: The wiring schemes of a sparse network.
WIRINGS = ("fixed", "bernoulli", "bernoulli_scaled")


def _check(n_cells: int, n_inputs: int) -> None:
    if not 1 <= n_inputs <= n_cells - 1:
        raise ValueError(f"n_inputs must be in [1, {n_cells - 1}], got {n_inputs}")


def _skip_self(j: np.ndarray) -> np.ndarray:
    """Candidates 0 … N − 2 of each row i, mapped to the cells other than i."""
    return j + (j >= np.arange(j.shape[0])[:, None])


def fixed_in_degree_indices(n_cells: int, n_inputs: int, seed: int) -> np.ndarray:
    """Draw, for every cell, ``n_inputs`` distinct presynaptic partners, never itself.

    Cell i's k-th candidate is ⌊u_k·(N − 1)⌋ (u_k the k-th uniform number of its stream);
    the first M distinct candidates are its inputs (skipping over i itself).

    Parameters
    ----------
    n_cells : int
        N.
    n_inputs : int
        M, with 1 ≤ M ≤ N − 1.
    seed : int
        Seed of the draw (the same seed gives the same wiring).

    Returns
    -------
    ndarray of int32, shape (N, M)
        Row i lists the presynaptic cells of cell i, sorted.
    """
    _check(n_cells, n_inputs)
    n, M = n_cells - 1, n_inputs
    rows = np.arange(n_cells)
    if M == n:  # every other cell, whatever the order of the draws
        return _skip_self(np.tile(np.arange(n, dtype=np.int64), (n_cells, 1))).astype(np.int32)
    width = M + 8
    while True:
        u = uniform(seed, STREAM_WIRING + rows[:, None], np.arange(width)[None, :])
        c = np.minimum(np.floor(u * n), n - 1).astype(np.int64)
        order = np.argsort(c, axis=1, kind="stable")
        ranked = np.take_along_axis(c, order, axis=1)
        first_ranked = np.ones_like(ranked, dtype=bool)
        first_ranked[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
        first = np.empty_like(first_ranked)
        np.put_along_axis(first, order, first_ranked, axis=1)
        kept = np.cumsum(first, axis=1)
        if kept[:, -1].min() >= M:
            break
        width *= 2
    take = first & (kept <= M)
    out = _skip_self(c[take].reshape(n_cells, M))
    return np.sort(out, axis=1).astype(np.int32)


def bernoulli_indices(n_cells: int, n_inputs: int, seed: int) -> np.ndarray:
    """Bernoulli wiring: each ordered pair (j → i), j ≠ i, exists with p = M / (N − 1).

    Cell i's inputs are drawn by geometric skips: its candidates 0 … N − 2 are passed over
    ⌊log u_k / log(1 − p)⌋ at a time, u_k the k-th number of its stream in (0, 1), which
    picks each one independently with probability p. In-degrees then vary from cell to
    cell (binomial, mean M). Rows are padded to a fixed width K (:func:`wiring_width`) with
    the index N, which stands for a silent source, so that every seed gives the same shape
    (and the compiled program is reused).

    Returns
    -------
    ndarray of int32, shape (N, K)
        Row i lists the presynaptic cells of cell i, ascending, then padding.
    """
    _check(n_cells, n_inputs)
    n = n_cells - 1
    p = n_inputs / n
    width = wiring_width(n_cells, n_inputs, "bernoulli")
    out = np.full((n_cells, width), n_cells, dtype=np.int32)
    if p >= 1.0:
        out[:] = fixed_in_degree_indices(n_cells, n_inputs, seed)
        return out
    rows = np.arange(n_cells)
    log_q = log(1.0 - p)
    block = width + 2
    while True:
        u = open_uniform(seed, STREAM_WIRING + rows[:, None], np.arange(block)[None, :])
        pos = np.cumsum(np.floor(log(u) / log_q) + 1.0, axis=1) - 1.0
        if pos[:, -1].min() >= n:  # every row has passed its last candidate
            break
        block *= 2
    picked = pos < n
    k = picked.sum(axis=1)
    if k.max() > width:  # more than M + 6 SD + 6 inputs: practically never
        raise ValueError(f"a cell drew {k.max()} inputs, more than the padding {width}")
    # picked is a prefix of each row (positions increase), so the first k_i columns
    cand = np.where(picked, pos, 0.0).astype(np.int64)[:, :width]
    cand = _skip_self(cand)
    cols = np.arange(width)[None, :]
    return np.where(cols < k[:, None], cand, n_cells).astype(np.int32)


def wiring_width(n_cells: int, n_inputs: int, wiring: str) -> int:
    """The width K of :func:`wiring_indices`' array: M (fixed), M + 6 SD + 6 (Bernoulli)."""
    if wiring == "fixed":
        return n_inputs
    p = n_inputs / (n_cells - 1)
    return min(n_cells - 1, int(np.ceil(n_inputs + 6 * np.sqrt(n_inputs * (1 - p)) + 6)))


def wiring_indices(n_cells: int, n_inputs: int, wiring: str, seed: int) -> np.ndarray:
    """The presynaptic index array of a sparse network (``wiring``: one of :data:`WIRINGS`)."""
    if wiring == "fixed":
        return fixed_in_degree_indices(n_cells, n_inputs, seed)
    if wiring in ("bernoulli", "bernoulli_scaled"):
        return bernoulli_indices(n_cells, n_inputs, seed)
    raise ValueError(f"wiring must be one of {WIRINGS}, got {wiring!r}")


def in_degrees(pre_indices: np.ndarray) -> np.ndarray:
    """Each cell's number of inputs k_i (the entries of its row that are not padding)."""
    pre = np.asarray(pre_indices)
    return (pre < pre.shape[0]).sum(axis=1)
