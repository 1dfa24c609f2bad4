r"""Event-driven accumulation of sparse synaptic input (as Brian2 and NEST treat such synapses).

Cell i's synaptic conductance is :math:`w\,S_i` with :math:`S_i = \sum_{j \in pre(i)} s_j`.
Away from a spike the presynaptic sigmoid F(V_j) is practically zero, so every s_j only decays,
by the same factor :math:`e = \exp(-\beta\,dt)` per step. Then

.. math:: S_i(t + dt) = e\,S_i(t) + \sum_{j \in pre(i)} d_j, \qquad
          d_j = s_j(t + dt) - e\,s_j(t),

and :math:`d_j` is non-zero only for the few cells near a spike. Instead of summing M inputs
for every cell at every step (N·M loads), the step scales S and adds each active cell's
:math:`d_j` to its outgoing targets: N + (active cells × out-degree) operations.

A cell counts as active while :math:`F(V_j) > F_{event}` (:data:`F_EVENT` = 10⁻⁶, i.e. V less
than 27.6 mV below θ_syn; at the paper's rates a cell is active 2.6 % of the time). Dropping
the increments of the other cells, :math:`\alpha F (1 - s)\,dt < 1.2 \cdot 10^{-7}` per step
at dt = 0.01 ms, is the only approximation: such increments occur only in the few steps in
which a cell passes from −41 mV to −27.6 mV on its way into and out of a spike, a few 10⁻⁶ of
s per spike against a rise of ~0.5. An exact re-sum every :data:`RESUM_MS` resets them and the
rounding of the running sum; and whenever so many cells are active that the events would
touch more than a quarter of the edges, the step sums exactly instead (in a synchronous
volley). Spike counts, κ and frequencies then match the exact sum (tests/test_events.py).

The step is one C++ kernel (``events.cc``) called from XLA through JAX's FFI, on the CPU
only: it is compiled with the system's C++ compiler on first use and cached. A batch of
networks (``jax.vmap``, as in :func:`wbmodel.sweep`) is one call, its networks shared
between XLA's intra-op threads.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import math
import os
import platform
import shutil
import subprocess
import warnings
from pathlib import Path

import brainunit as u
import jax
import jax.numpy as jnp

__all__ = ["F_EVENT", "RESUM_MS", "available", "build", "cache_dir", "out_lists", "accumulate"]

#: A presynaptic cell is active (its increment is propagated) while F(V) exceeds this.
F_EVENT = 1e-6

#: The same criterion on V, since F(V) > F_EVENT exactly when V − θ_syn > 2 mV · ln(F/(1 − F)).
V_EVENT = 2.0 * math.log(F_EVENT / (1.0 - F_EVENT)) * u.mV

#: Interval of the exact re-sum that resets rounding in the running sum (ms).
RESUM_MS = 1.0


#: The kernel's source (package data), compiled on first use.
SOURCE = Path(__file__).with_name("events.cc")

#: The XLA FFI target name the kernel is registered under.
TARGET = "wbmodel_event_sum"


def cache_dir() -> Path:
    """Where the compiled kernel is kept: ``$WBMODEL_CACHE`` or ``~/.cache/wbmodel``."""
    return Path(os.environ.get("WBMODEL_CACHE") or Path.home() / ".cache" / "wbmodel")


def _compiler() -> str | None:
    return os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or \
        shutil.which("clang++")


def build() -> Path:
    """Compile the kernel (once per source, jaxlib and CPU; kept in :func:`cache_dir`).

    Returns the shared library. Built under a temporary name and renamed into place, so
    processes that build at once never load a half-written file.
    """
    import jaxlib

    cxx = _compiler()
    if cxx is None:
        raise RuntimeError("no C++ compiler (g++, c++ or clang++) found")
    src = SOURCE.read_bytes()
    flags = ["-O3", "-march=native", "-std=c++20", "-shared", "-fPIC"]
    tag = hashlib.sha256(b"\0".join([src, jaxlib.__version__.encode(), " ".join(flags).encode(),
                                      platform.machine().encode(), _cpu_model().encode(),
                                      cxx.encode()])).hexdigest()[:16]
    lib = cache_dir() / f"event_sum-{tag}.so"
    if lib.exists():
        return lib
    lib.parent.mkdir(parents=True, exist_ok=True)
    tmp = lib.with_name(f"{lib.stem}.{os.getpid()}.tmp.so")
    cmd = [cxx, *flags, f"-I{jax.ffi.include_dir()}", str(SOURCE), "-o", str(tmp)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"compiling {SOURCE.name} failed:\n{done.stderr[-2000:]}")
    os.replace(tmp, lib)
    return lib


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((ln for ln in f if ln.startswith(("model name", "flags"))), "")
    except OSError:
        return ""


_REGISTERED: list = []


@functools.cache
def available() -> bool:
    """Whether the event kernel runs here: JAX on the CPU and the kernel built and loaded.

    The first call compiles the kernel (a few seconds, once per machine: it is cached).
    Where it cannot be built, this says why in a warning and returns False; sparse
    networks then sum their inputs exactly at every step (same results, slower).
    """
    if jax.default_backend() != "cpu":
        return False
    try:
        if not _REGISTERED:
            lib = ctypes.cdll.LoadLibrary(str(build()))
            jax.ffi.register_ffi_target(TARGET, jax.ffi.pycapsule(lib.WbEventSum),
                                        platform="cpu")
            _REGISTERED.append(lib)  # kept alive: XLA calls into it
    except (OSError, RuntimeError) as err:
        warnings.warn(f"wbmodel: event-driven sparse input unavailable ({err}); sparse "
                      "networks sum their inputs exactly at every step instead", stacklevel=2)
        return False
    return True


def out_lists(pre_indices, n_cells: int):
    """The outgoing edges of every cell, from the incoming ones (compressed rows).

    Parameters
    ----------
    pre_indices : int array, shape (N, K)
        Presynaptic partners of each cell; an entry equal to N is padding.
    n_cells : int
        N.

    Returns
    -------
    indptr : int32 array, shape (N + 1,)
        Cell j's targets are ``post[indptr[j]:indptr[j + 1]]``.
    post : int32 array, shape (N·K,)
        Targets grouped by source (padding entries sorted to the end, never read).
    """
    pre = jnp.asarray(pre_indices, jnp.int32)
    flat = pre.reshape(-1)
    targets = jnp.repeat(jnp.arange(pre.shape[0], dtype=jnp.int32), pre.shape[1])
    order = jnp.argsort(flat, stable=True)
    counts = jnp.bincount(flat, length=n_cells + 1)[:n_cells]
    indptr = jnp.concatenate([jnp.zeros(1, jnp.int32), jnp.cumsum(counts, dtype=jnp.int32)])
    return indptr, targets[order]


def _call(S, d, s_new, e, resum, pre, indptr, post):
    return jax.ffi.ffi_call(TARGET, jax.ShapeDtypeStruct(S.shape, S.dtype))(
        S, d, s_new, e, resum, pre, indptr, post)


@jax.custom_batching.custom_vmap
def accumulate(S, d, s_new, e, resum, pre_indices, indptr, post):
    """One step of the running input sum of every cell.

    Parameters
    ----------
    S : float array, shape (N,)
        Σ_{j ∈ pre(i)} s_j before the step.
    d : float array, shape (N,)
        s_j(t + dt) − e·s_j(t) for active cells, 0 for the others.
    s_new : float array, shape (N,)
        s after the step (for the exact re-sum).
    e : float scalar
        exp(−β dt).
    resum : bool scalar
        Sum exactly this step.
    pre_indices : int array, shape (N, K)
        The wiring (N: padding).
    indptr, post : int32 arrays
        :func:`out_lists` of the wiring.

    Returns
    -------
    float array, shape (N,)
        S after the step.
    """
    flag = jnp.reshape(resum, (1,)).astype(jnp.int32)
    return _call(S[None], d[None], s_new[None], jnp.reshape(e, (1,)).astype(S.dtype), flag,
                 pre_indices[None], indptr[None], post[None])[0]


@accumulate.def_vmap
def _accumulate_batch(axis_size, in_batched, S, d, s_new, e, resum, pre_indices, indptr, post):
    # A batch of networks is one kernel call over the leading axis (not one call per network).
    args = [a if batched else jnp.broadcast_to(a, (axis_size, *jnp.shape(a)))
            for a, batched in zip((S, d, s_new, e, resum, pre_indices, indptr, post), in_batched,
                                  strict=True)]
    S, d, s_new, e, resum, pre_indices, indptr, post = args
    flag = jnp.any(resum).reshape(1).astype(jnp.int32)
    return _call(S, d, s_new, e.astype(S.dtype), flag, pre_indices, indptr, post), True
