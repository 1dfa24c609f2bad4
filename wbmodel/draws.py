"""Every random number a network draws from its seed, reproducible bit for bit.

A run's seed decides three things: each cell's drive I_app,i ~ Normal(I_app, I_σ), each
cell's initial V ~ Uniform[lo, hi) (the paper's [−70, −50) mV unless a run asks for another
range) and, in a sparse network, the wiring
(:mod:`wbmodel.wiring`). They are drawn here, on the host, in float64 arithmetic that uses
only IEEE-754's correctly rounded operations (+, −, ×, ÷, √, floor) and integer bit
operations, then rounded once to float32. The page's JavaScript model
(``wbmodel/web/wbmodel.js``) repeats the same operations in the same order, so for a seed it
draws exactly the network that :func:`wbmodel.simulate` runs (tests/test_web_parity.py).

Why not ``jax.random.normal``: its float32 transform goes through XLA's inverse error
function and logarithm, whose polynomial approximations and fused multiply-adds belong to
the XLA build; no second implementation can promise to match them bit for bit. The bits
themselves do come from JAX's generator: :func:`threefry2x32` is Threefry-2x32 with 20
rounds (Salmon et al. 2011), the function behind ``jax.random``, and a test checks it
against ``jax.extend.random.threefry2x32_p``.

Counters: draw ``index`` of stream ``stream`` under ``seed`` is
``threefry2x32(key=(seed >> 32, seed & 0xFFFFFFFF), counter=(stream, index))``, 64 bits, of
which 52 make one uniform number. Streams: :data:`STREAM_DRIVE` (index: the cell),
:data:`STREAM_V0` (the cell) and ``STREAM_WIRING + i`` (the inputs of cell i).
"""

from __future__ import annotations

import numpy as np

__all__ = ["threefry2x32", "uniform", "open_uniform", "log", "normal_icdf", "drives",
           "initial_V", "V_range_of_spread", "spread_of_V_range", "STREAM_DRIVE", "STREAM_V0",
           "STREAM_WIRING", "V_INIT_RANGE", "V_INIT_CENTRE", "MAX_SEED"]

#: Stream of the drives' normal draws (one per cell).
STREAM_DRIVE = 0
#: Stream of the initial potentials (one per cell).
STREAM_V0 = 1
#: Cell i's inputs are drawn from stream ``STREAM_WIRING + i``.
STREAM_WIRING = 2
#: The initial V of every cell is drawn uniformly from this range (mV), the paper's and the
#: default of every run.
V_INIT_RANGE = (-70.0, -50.0)
#: The centre of :data:`V_INIT_RANGE` (mV), where the page's "initial V spread" is centred.
V_INIT_CENTRE = -60.0
#: Seeds are integers in [0, MAX_SEED] (two 32-bit key words).
MAX_SEED = 2**64 - 1

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)
_TWO_M52 = 2.0**-52


def _rotl(x, r):
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def threefry2x32(key0, key1, x0, x1):
    """Threefry-2x32, 20 rounds: (key, counter) → two uint32 words (JAX's generator).

    Parameters
    ----------
    key0, key1, x0, x1 : int or array of uint32
        The key and the counter (broadcast together).

    Returns
    -------
    tuple of two ndarrays of uint32
    """
    k0, k1 = np.uint32(key0), np.uint32(key1)
    ks = (k0, k1, k0 ^ k1 ^ _PARITY)
    with np.errstate(over="ignore"):
        y0 = np.asarray(x0, np.uint32) + ks[0]
        y1 = np.asarray(x1, np.uint32) + ks[1]
        y0, y1 = np.broadcast_arrays(y0, y1)
        y0, y1 = y0.copy(), y1.copy()
        for block in range(5):
            for r in _ROTATIONS[block % 2]:
                y0 += y1
                y1 = _rotl(y1, r) ^ y0
            y0 += ks[(block + 1) % 3]
            y1 += ks[(block + 2) % 3] + np.uint32(block + 1)
    return y0, y1


def _bits52(seed: int, stream, index) -> np.ndarray:
    """52 random bits per (stream, index), as exact float64 integers in [0, 2**52)."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be in [0, 2**64 - 1], got {seed}")
    y0, y1 = threefry2x32(seed >> 32, seed & 0xFFFFFFFF, stream, index)
    return (y0 >> np.uint32(12)).astype(np.float64) * 4294967296.0 + y1.astype(np.float64)


def uniform(seed: int, stream, index) -> np.ndarray:
    """Uniform numbers in [0, 1), multiples of 2**-52 (float64)."""
    return _bits52(seed, stream, index) * _TWO_M52


def open_uniform(seed: int, stream, index) -> np.ndarray:
    """Uniform numbers in (0, 1): the centres (k + ½)·2**-52 of the 2**52 cells (float64)."""
    return (_bits52(seed, stream, index) + 0.5) * _TWO_M52


# The logarithm of fdlibm (Sun Microsystems, 1993; also V8's and many libms'), written with
# the correctly rounded operations only, so that numpy and JavaScript agree to the bit.
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_LG = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
       2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
       1.479819860511658591e-01)
_SQRT_HALF = 0.70710678118654752440


def log(x) -> np.ndarray:
    """Natural logarithm of positive, finite, normal float64 numbers (error < 1 ulp).

    x = m·2**e with m in [√½, √2); log m = 2 atanh(f/(2 + f)), f = m − 1, by fdlibm's
    polynomial.
    """
    m, e = np.frexp(np.asarray(x, np.float64))  # m in [0.5, 1)
    low = m < _SQRT_HALF
    m = np.where(low, m * 2.0, m)
    k = (e - low).astype(np.float64)
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG[1] + w * (_LG[3] + w * _LG[5]))
    t2 = z * (_LG[0] + w * (_LG[2] + w * (_LG[4] + w * _LG[6])))
    R = t2 + t1
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + R) + k * _LN2_LO)) - f)


# Wichura's AS 241 (PPND16): the normal quantile to about 1e-16, as rational functions.
_A = (3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
      1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
      3.3430575583588128105e4, 2.5090809287301226727e3)
_B = (1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
      2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
      5.2264952788528545610e3)
_C = (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
      3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
      2.27238449892691845833e-2, 7.74545014278341407640e-4)
_D = (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
      1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
      1.05075007164441684324e-9)
_E = (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
      2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
      2.71155556874348757815e-5, 2.01033439929228813265e-7)
_F = (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
      7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
      2.04426310338993978564e-15)


def _horner(c, x):
    out = np.full_like(x, c[-1])
    for a in c[-2::-1]:
        out = out * x + a
    return out


def normal_icdf(p) -> np.ndarray:
    """The standard normal quantile Φ⁻¹(p) for p in (0, 1) (float64, AS 241)."""
    p = np.asarray(p, np.float64)
    q = p - 0.5
    r = 0.180625 - q * q
    central = q * _horner(_A, r) / _horner(_B, r)
    tail_p = np.where(q < 0.0, p, 1.0 - p)
    rt = np.sqrt(-log(np.where(np.abs(q) <= 0.425, 0.5, tail_p)))
    near = _horner(_C, rt - 1.6) / _horner(_D, rt - 1.6)
    far = _horner(_E, rt - 5.0) / _horner(_F, rt - 5.0)
    tail = np.where(rt <= 5.0, near, far)
    tail = np.where(q < 0.0, -tail, tail)
    return np.where(np.abs(q) <= 0.425, central, tail)


def drives(I_app: float, I_sigma: float, seed: int, n_cells: int) -> np.ndarray:
    """Each cell's drive I_app + I_σ·z_i, z_i ~ Normal(0, 1), µA/cm² (float32, shape (N,))."""
    z = normal_icdf(open_uniform(seed, STREAM_DRIVE, np.arange(n_cells)))
    return (float(I_app) + float(I_sigma) * z).astype(np.float32)


def initial_V(seed: int, n_cells: int, V_range=V_INIT_RANGE) -> np.ndarray:
    """Each cell's initial V, uniform in ``V_range``, mV (float32, shape (N,)).

    Parameters
    ----------
    seed : int
        The run's seed.
    n_cells : int
        N.
    V_range : (float, float)
        (lo, hi) in mV, plain numbers (default :data:`V_INIT_RANGE`, the paper's
        (−70, −50) mV). Cell i starts at lo + (hi − lo)·u_i, u_i uniform in [0, 1), in
        float64, rounded once to float32; lo == hi starts every cell at lo.

    Raises
    ------
    ValueError
        If lo or hi is not finite or lo > hi.
    """
    lo, hi = _V_range(V_range)
    return (lo + (hi - lo) * uniform(seed, STREAM_V0, np.arange(n_cells))).astype(np.float32)


def V_range_of_spread(spread_mV: float, centre: float = V_INIT_CENTRE) -> tuple[float, float]:
    """The range of initial V of width ``spread_mV`` centred on ``centre``, mV.

    ``(centre − spread/2, centre + spread/2)`` in float64: the page's JavaScript
    (``VRangeOfSpread`` in ``wbmodel/web/wbmodel.js``) computes the same two numbers the
    same way, so its "initial V spread" control draws the network that
    ``lo, hi = V_range_of_spread(s)``; ``wb.simulate(..., V0_range=(lo * u.mV, hi * u.mV))``
    runs (a pair of scalars keeps float64; the tuple times ``u.mV`` would be a float32
    array). A spread of 20 mV gives the paper's (−70.0, −50.0) exactly; 0 starts every cell
    at ``centre``. :func:`spread_of_V_range` is its inverse.

    Parameters
    ----------
    spread_mV : float
        hi − lo, mV (≥ 0).
    centre : float
        (lo + hi)/2, mV (default −60).

    Returns
    -------
    (float, float)
        (lo, hi), mV.

    Raises
    ------
    ValueError
        If the spread is negative or either number is not finite.
    """
    spread, centre = float(spread_mV), float(centre)
    if not (np.isfinite(spread) and np.isfinite(centre)):
        raise ValueError(f"the spread and centre must be finite, got {spread_mV}, {centre}")
    if spread < 0:
        raise ValueError(f"the spread of the initial V must be >= 0 mV, got {spread_mV}")
    return (centre - spread / 2, centre + spread / 2)


#: How many float64 steps either way of a first guess :func:`spread_of_V_range` tries.
_SPREAD_ULPS = 4


def spread_of_V_range(lo: float, hi: float, centre: float = V_INIT_CENTRE) -> float:
    """The spread s (mV) with ``V_range_of_spread(s, centre) == (lo, hi)`` exactly.

    The inverse of :func:`V_range_of_spread`, for a range it gave (the page's explorer
    starts from a range by its spread). ``hi − lo`` alone is not it: lo and hi are rounded
    to the float64 grid near ``centre``, coarser than a small spread's, so e.g. a spread of
    8.01 mV gives (−64.005, −55.995), whose difference 8.009999999999998 does not give the
    same pair back. Several spreads can give one pair; this returns the one with the
    shortest decimal text (8.01, not 8.009999999999998): the number a reader typed.

    Parameters
    ----------
    lo, hi : float
        The range, mV (plain numbers; lo <= hi).
    centre : float
        (lo + hi)/2, mV (default −60).

    Returns
    -------
    float
        The spread, mV (≥ 0).

    Raises
    ------
    ValueError
        If lo or hi is not finite, lo > hi, or no spread gives (lo, hi): the range is not
        centred at ``centre``.
    """
    lo, hi = _V_range((lo, hi))
    centre = float(centre)
    if not np.isfinite(centre):
        raise ValueError(f"the centre must be finite, got {centre}")

    def gives(s: float) -> bool:
        return s >= 0 and (centre - s / 2, centre + s / 2) == (lo, hi)

    # first guesses, the width and twice each half-width (those exact where lo and hi lie
    # within a factor 2 of centre, Sterbenz), and their float64 neighbours
    fits = set()
    for guess in (hi - lo, 2 * (hi - centre), 2 * (centre - lo)):
        if not np.isfinite(guess):
            continue
        for way in (-np.inf, np.inf):
            s = guess
            for _ in range(_SPREAD_ULPS + 1):
                if gives(s):
                    fits.add(float(s) + 0.0)  # + 0.0: -0.0 becomes 0.0
                s = float(np.nextafter(s, way))
    if not fits:
        raise ValueError(f"V0_range = ({lo}, {hi}) mV is not centred at {centre:g} mV, "
                         "as the explorer's initial V spread is")
    # the shortest decimal text that still gives (lo, hi): rounded to 1, 2, ... 16 digits
    # (17 give each fit back itself)
    for digits in range(1, 17):
        short = sorted({s for s in (float(f"{x:.{digits}g}") for x in fits) if gives(s)})
        if short:
            return short[0] + 0.0
    return min(fits)


def _V_range(V_range) -> tuple[float, float]:
    """(lo, hi) in mV as float64 numbers, checked: finite, lo <= hi."""
    lo, hi = (float(x) for x in V_range)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"the range of the initial V must be finite, got ({lo}, {hi}) mV")
    if lo > hi:
        raise ValueError(f"the range of the initial V needs lo <= hi, got ({lo}, {hi}) mV")
    return lo, hi
