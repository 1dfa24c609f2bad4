// wbmodel.js: the Wang–Buzsáki (1996) network in JavaScript, for the reader's browser.
//
// A second implementation on purpose: it follows wbmodel/cell.py, synapse.py, network.py,
// simulation.py and analysis.py line for line, names included, and tests/test_web_parity.py
// keeps the two together (same initial state → same spikes, κ and frequency). Float64
// throughout. No DOM access: it runs in a Web Worker, in a page and in Node.
//
// Units are the paper's: mV, ms, µA/cm², mS/cm², µF/cm², 1/ms.
//
// Names. Every export whose name is not Python's own (a module of wbmodel defines the same
// name for the same thing: alpha_m, F_syn, coherence, simulate, TRANSIENT, ...) is listed
// here, once, with what it stands for; tests/test_web_reference.py checks the list is whole
// and that each Python name on it exists.
//   DEFAULTS: wbmodel.params.WBParams            (its defaults, as WBParams().to_dict())
//   BOUNDS: wbmodel.params.LOWER_BOUNDS
//   checkParams: wbmodel.params.WBParams         (its validation)
//   exprel: wbmodel.cell.alpha_n                 (brainunit's u.math.exprel, (e^x − 1)/x)
//   dm_inf: wbmodel.cell.m_inf                   (its derivative, by hand; JAX differentiates)
//   openUniform: wbmodel.draws.open_uniform
//   normalIcdf: wbmodel.draws.normal_icdf
//   VRangeOfSpread: wbmodel.draws.V_range_of_spread
//   initialState: wbmodel.simulation.initial_state
//   wiring: wbmodel.wiring.wiring_indices
//   wiringWidth: wbmodel.wiring.wiring_width
//   Network: wbmodel.network.WBNetwork
//   chunks: wbmodel.simulation.simulate          (the same run, a chunk at a time)
//   analysisWindow: wbmodel.analysis.analysis_window
//   populationActivity: wbmodel.analysis.population_activity
//   networkFrequency: wbmodel.analysis.network_frequency
//   meanRate: wbmodel.analysis.mean_rate
//   summary: wbmodel.sweeps.default_summary
//   fiCurve: wbmodel.single_cell.fi_curve
//   TABLE, makeTables, tableError: JS only       (the tabulated gates; NEURON's usetable)
//   A_SLOTS, M_INF, DM_INF: JS only              (the slots of the tables' rows)
//   B_SLOTS, H_INF, H_DECAY, N_INF, N_DECAY, S_INF, S_DECAY: JS only
//
// The step (as brainstate.nn.exp_euler_step does it in wbmodel): V first, linearised in V
// with the diagonal of its Jacobian (∂m∞/∂V and the synaptic conductance included) and the
// linear part integrated exactly, h and n from the start of the step; then h, n and the
// synaptic gate s with the new V. h, n and s are linear in themselves for a fixed V, so their
// exponential-Euler step is h∞ + (h − h∞)·exp(−dt/τ_h): exact over one dt.
//
// Speed: the gates' steady states and decay factors and m∞, ∂m∞/∂V depend on V alone (for a
// given dt, φ, α, β, θ_syn), so they are tabulated on a fine V grid and read with linear
// interpolation, as NEURON's `usetable` does. The table's error is measured against the
// exact functions (tableError) and is far below the scheme's own (see the tests); outside the
// grid the exact functions are used.

/** The paper's parameters (WBParams' defaults; n_inputs null = all-to-all without self). */
export const DEFAULTS = Object.freeze({
  n_cells: 100, n_inputs: null, wiring: "fixed", I_app: 1.0, I_sigma: 0.0, g_syn: 0.1, E_syn: -75.0,
  alpha: 12.0, beta: 0.1, theta_syn: 0.0, phi: 5.0, g_Na: 35.0, g_K: 9.0, g_L: 0.1,
  E_Na: 55.0, E_K: -90.0, E_L: -65.0, C: 1.0,
});

/** A spike is an upward crossing of this level (mV), as wbmodel.cell.SPIKE_THRESHOLD. */
export const SPIKE_THRESHOLD = 0.0;
/** Initial V of every network cell: uniform in this range (mV) by default, as in wbmodel. */
export const V_INIT_RANGE = Object.freeze([-70.0, -50.0]);
/** The centre of V_INIT_RANGE (mV): where a spread of initial V is centred (wbmodel.draws). */
export const V_INIT_CENTRE = -60.0;
/** Single-cell runs (f–I) start here, h and n at steady state (wbmodel.single_cell). */
export const V_REST_START = -65.0;
/** Slope of the presynaptic sigmoid F(V), mV (wbmodel.synapse.SYN_SLOPE). */
export const SYN_SLOPE = 2.0;
/** Default transient discarded before measuring, ms (wbmodel.analysis.TRANSIENT). */
export const TRANSIENT = 200.0;
/** The largest dt accepted, ms (wbmodel.simulation.MAX_DT). */
export const MAX_DT = 0.05;

// -- the cell's rate functions (wbmodel/cell.py) ---------------------------------------------

/** (e^x − 1)/x, exact at the removable singularity x = 0. */
export function exprel(x) {
  return x === 0 ? 1.0 : Math.expm1(x) / x;
}

/** d/dx exprel(x) = (x e^x − e^x + 1)/x², by its series near 0. */
function exprelPrime(x) {
  if (Math.abs(x) < 1e-3) return 0.5 + x / 3 + (x * x) / 8 + (x * x * x) / 30;
  return (Math.exp(x) * (x - 1) + 1) / (x * x);
}

export function alpha_m(V) { return 1.0 / exprel(-0.1 * (V + 35.0)); }
export function beta_m(V) { return 4.0 * Math.exp(-(V + 60.0) / 18.0); }
export function m_inf(V) { const a = alpha_m(V); return a / (a + beta_m(V)); }
export function alpha_h(V) { return 0.07 * Math.exp(-(V + 58.0) / 20.0); }
export function beta_h(V) { return 1.0 / (1.0 + Math.exp(-0.1 * (V + 28.0))); }
export function h_inf(V) { const a = alpha_h(V); return a / (a + beta_h(V)); }
export function alpha_n(V) { return 0.1 / exprel(-0.1 * (V + 34.0)); }
export function beta_n(V) { return 0.125 * Math.exp(-(V + 44.0) / 80.0); }
export function n_inf(V) { const a = alpha_n(V); return a / (a + beta_n(V)); }

/** ∂m∞/∂V (1/mV): the Jacobian of the V equation needs it (autodiff in wbmodel). */
export function dm_inf(V) {
  const x = -0.1 * (V + 35.0), e = exprel(x);
  const a = 1.0 / e, da = (0.1 * exprelPrime(x)) / (e * e);
  const b = beta_m(V), db = -b / 18.0;
  return (da * b - a * db) / ((a + b) * (a + b));
}

// -- the synapse (wbmodel/synapse.py) ----------------------------------------------------------

/** Transmitter release F(V_pre) = 1/(1 + e^{−(V − θ)/2}). */
export function F_syn(V_pre, theta_syn = 0.0) {
  return 1.0 / (1.0 + Math.exp(-(V_pre - theta_syn) / SYN_SLOPE));
}

// -- tables --------------------------------------------------------------------------------

/** The V grid of the tables (mV): spacing and range. */
export const TABLE = Object.freeze({ V_min: -150.0, V_max: 100.0, dV: 0.01 });

/**
 * The slots of one grid point's row in the tables. A (read at the old V, for the V step):
 * m∞ and ∂m∞/∂V. B (read at the new V, for h, n and s): each gate's steady state and its
 * decay factor over one step, x_{k+1} = x∞ + (x_k − x∞)·decay:
 * h∞, e^{−dt φ (α_h+β_h)}, n∞, e^{−dt φ (α_n+β_n)}, s∞, e^{−dt (α F + β)}.
 * gatesAt returns the eight in this order: A's slots, then B's.
 */
export const A_SLOTS = 2, M_INF = 0, DM_INF = 1;
export const B_SLOTS = 6, H_INF = 0, H_DECAY = 1, N_INF = 2, N_DECAY = 3, S_INF = 4, S_DECAY = 5;

/**
 * Tabulate what the step needs of V alone, for one (dt, φ, α, β, θ_syn): A_SLOTS numbers per
 * grid point in A, B_SLOTS in B (the slots above).
 */
export function makeTables(p, dt) {
  const key = [dt, p.phi, p.alpha, p.beta, p.theta_syn].join(",");
  if (!TABLE_CACHE.has(key)) {
    if (TABLE_CACHE.size >= 8) TABLE_CACHE.delete(TABLE_CACHE.keys().next().value);
    TABLE_CACHE.set(key, buildTables(p, dt));
  }
  return TABLE_CACHE.get(key);
}

const TABLE_CACHE = new Map();

function buildTables(p, dt) {
  const n = Math.round((TABLE.V_max - TABLE.V_min) / TABLE.dV) + 1;
  const A = new Float64Array(A_SLOTS * n), B = new Float64Array(B_SLOTS * n);
  for (let k = 0; k < n; k++) {
    const V = TABLE.V_min + k * TABLE.dV;
    const g = gatesAt(V, p, dt);
    for (let j = 0; j < A_SLOTS; j++) A[A_SLOTS * k + j] = g[j];
    for (let j = 0; j < B_SLOTS; j++) B[B_SLOTS * k + j] = g[A_SLOTS + j];
  }
  return { A, B, n, V_min: TABLE.V_min, inv_dV: 1.0 / TABLE.dV, p: { ...p }, dt };
}

/** The eight tabulated quantities at one V, from the exact functions (A's slots, B's). */
function gatesAt(V, p, dt) {
  const ah = alpha_h(V), bh = beta_h(V), an = alpha_n(V), bn = beta_n(V);
  const aF = p.alpha * F_syn(V, p.theta_syn);
  return [
    m_inf(V), dm_inf(V),
    ah / (ah + bh), Math.exp(-dt * p.phi * (ah + bh)),
    an / (an + bn), Math.exp(-dt * p.phi * (an + bn)),
    aF / (aF + p.beta), Math.exp(-dt * (aF + p.beta)),
  ];
}

/**
 * Largest absolute error of the tables against the exact functions, sampled between grid
 * points (where linear interpolation is worst), for each of the eight quantities.
 */
export function tableError(p, dt, V_lo = -100.0, V_hi = 60.0, samples = 200003) {
  const T = makeTables(p, dt), out = new Float64Array(8), q = new Float64Array(8);
  for (let k = 0; k < samples; k++) {
    const V = V_lo + ((V_hi - V_lo) * k) / (samples - 1);
    lookup(T, V, q);
    const g = gatesAt(V, p, dt);
    for (let j = 0; j < 8; j++) out[j] = Math.max(out[j], Math.abs(q[j] - g[j]));
  }
  return Array.from(out);
}

/** All eight tabulated quantities at V (exact outside the grid), into q. */
function lookup(T, V, q) {
  const x = (V - T.V_min) * T.inv_dV, i = Math.floor(x);
  if (!(i >= 0 && i < T.n - 1)) { q.set(gatesAt(V, T.p, T.dt)); return; }
  const f = x - i;
  for (let j = 0, o = A_SLOTS * i; j < A_SLOTS; j++) {
    q[j] = T.A[o + j] + f * (T.A[o + A_SLOTS + j] - T.A[o + j]);
  }
  for (let j = 0, o = B_SLOTS * i; j < B_SLOTS; j++) {
    q[A_SLOTS + j] = T.B[o + j] + f * (T.B[o + B_SLOTS + j] - T.B[o + j]);
  }
}

// -- parameters ------------------------------------------------------------------------------

/**
 * The lower bound of each bounded parameter and whether the bound itself is allowed:
 * name -> [bound, inclusive]. Exactly what WBParams refuses (wbmodel.params.LOWER_BOUNDS; a
 * test compares the two). WBParams sets no upper bounds, and neither does the model; the
 * explorer's controls have their own ranges (wbmodel.browser.RANGES), inside these.
 */
export const BOUNDS = Object.freeze({
  n_cells: [2, true], I_sigma: [0, true], g_syn: [0, true], alpha: [0, false],
  beta: [0, false], g_Na: [0, true], g_K: [0, true], g_L: [0, true], C: [0, false],
  phi: [0, false],
});

/**
 * Complete and check a parameter object, as WBParams does. Unknown names, non-numbers and
 * values below a bound raise an Error that names the parameter (nothing is clamped here: the
 * UI clamps and says so; the model refuses).
 */
export function checkParams(given = {}) {
  const p = { ...DEFAULTS };
  for (const [k, v] of Object.entries(given)) {
    if (!(k in DEFAULTS)) throw new Error(`unknown parameter ${k}`);
    p[k] = v;
  }
  for (const k of Object.keys(DEFAULTS)) {
    const v = p[k];
    if (k === "n_inputs" || k === "wiring") continue;  // checked below
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(`${k} must be a finite number, got ${v}`);
    }
    if (k in BOUNDS) {
      const [lo, inclusive] = BOUNDS[k];
      if (v < lo || (v === lo && !inclusive)) {
        throw new Error(`${k} must be ${inclusive ? ">=" : ">"} ${lo}, got ${v}`);
      }
    }
  }
  if (!Number.isInteger(p.n_cells)) throw new Error(`n_cells must be an integer, got ${p.n_cells}`);
  if (!WIRINGS.includes(p.wiring)) throw new Error(`wiring must be one of ${WIRINGS.join(", ")}, got ${p.wiring}`);
  const m = p.n_inputs;
  if (m !== null && !(Number.isInteger(m) && m >= 1 && m <= p.n_cells - 1)) {
    throw new Error(`n_inputs must be null (all-to-all) or an integer in [1, ${p.n_cells - 1}], got ${m}`);
  }
  return p;
}

// -- random numbers (wbmodel/draws.py and wbmodel/wiring.py, bit for bit) ------------------
//
// The same counter-based generator as wbmodel: Threefry-2x32 (JAX's), keyed by the seed,
// counter (stream, index); 52 bits make a uniform number. Every transform below uses only
// IEEE-754's correctly rounded operations, in the same order as wbmodel's numpy code, so a
// seed draws the very network that wbmodel.simulate runs: drives, initial V and wiring.

/** Stream of the drives, of the initial V, and the first wiring stream (wbmodel.draws). */
export const STREAM_DRIVE = 0, STREAM_V0 = 1, STREAM_WIRING = 2;
/** The wiring schemes of a sparse network (wbmodel.wiring.WIRINGS). */
export const WIRINGS = Object.freeze(["fixed", "bernoulli", "bernoulli_scaled"]);

const ROTATIONS = [[13, 15, 26, 6], [17, 29, 16, 24]];

function rotl(x, r) { return ((x << r) | (x >>> (32 - r))) >>> 0; }

/** Threefry-2x32, 20 rounds: (key0, key1, x0, x1) → [y0, y1] (uint32 words). */
export function threefry2x32(key0, key1, x0, x1) {
  const ks = [key0 >>> 0, key1 >>> 0, (key0 ^ key1 ^ 0x1BD11BDA) >>> 0];
  let y0 = (x0 + ks[0]) >>> 0, y1 = (x1 + ks[1]) >>> 0;
  for (let b = 0; b < 5; b++) {
    const R = ROTATIONS[b % 2];
    for (let j = 0; j < 4; j++) {
      y0 = (y0 + y1) >>> 0;
      y1 = (rotl(y1, R[j]) ^ y0) >>> 0;
    }
    y0 = (y0 + ks[(b + 1) % 3]) >>> 0;
    y1 = (y1 + ks[(b + 2) % 3] + b + 1) >>> 0;
  }
  return [y0, y1];
}

const TWO_M52 = 2 ** -52;

/** A seed's key words (two uint32), as JAX splits a 64-bit seed. */
function seedKey(seed) {
  if (!(Number.isSafeInteger(seed) && seed >= 0)) {
    throw new Error(`seed must be an integer in [0, 2^53), got ${seed}`);
  }
  return [Math.floor(seed / 4294967296) >>> 0, seed % 4294967296];
}

function bits52(key, stream, index) {
  const [y0, y1] = threefry2x32(key[0], key[1], stream >>> 0, index >>> 0);
  return (y0 >>> 12) * 4294967296 + y1;
}

/** Uniform number in [0, 1) of (seed, stream, index), a multiple of 2^-52. */
export function uniform(seed, stream, index) { return bits52(seedKey(seed), stream, index) * TWO_M52; }

/** Uniform number in (0, 1): the centre (k + ½)·2^-52 of its cell. */
export function openUniform(seed, stream, index) {
  return (bits52(seedKey(seed), stream, index) + 0.5) * TWO_M52;
}

const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
const LG = [6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
  2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
  1.479819860511658591e-01];
const SQRT_HALF = 0.70710678118654752440;
const F64 = new DataView(new ArrayBuffer(8));

/** Natural logarithm of a positive normal number, as wbmodel.draws.log (fdlibm's). */
export function log(x) {
  F64.setFloat64(0, x);
  const hi = F64.getUint32(0);
  let e = ((hi >>> 20) & 0x7ff) - 1022;
  F64.setUint32(0, ((hi & 0x800fffff) | 0x3fe00000) >>> 0);
  let m = F64.getFloat64(0);  // x = m·2^e, m in [0.5, 1): numpy's frexp
  if (m < SQRT_HALF) { m = m * 2.0; e -= 1; }
  const k = e, f = m - 1.0, s = f / (2.0 + f), z = s * s, w = z * z;
  const t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
  const t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
  const R = t2 + t1, hfsq = 0.5 * f * f;
  return k * LN2_HI - ((hfsq - (s * (hfsq + R) + k * LN2_LO)) - f);
}

const AS241 = {
  A: [3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
    1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
    3.3430575583588128105e4, 2.5090809287301226727e3],
  B: [1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
    2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
    5.2264952788528545610e3],
  C: [1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
    3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
    2.27238449892691845833e-2, 7.74545014278341407640e-4],
  D: [1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
    1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
    1.05075007164441684324e-9],
  E: [6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
    2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
    2.71155556874348757815e-5, 2.01033439929228813265e-7],
  F: [1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
    7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
    2.04426310338993978564e-15],
};

function horner(c, x) {
  let out = c[c.length - 1];
  for (let k = c.length - 2; k >= 0; k--) out = out * x + c[k];
  return out;
}

/** The standard normal quantile Φ⁻¹(p), p in (0, 1) (Wichura's AS 241, as wbmodel). */
export function normalIcdf(p) {
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(AS241.A, r)) / horner(AS241.B, r);
  }
  const rt = Math.sqrt(-log(q < 0.0 ? p : 1.0 - p));
  let z;
  if (rt <= 5.0) { const t = rt - 1.6; z = horner(AS241.C, t) / horner(AS241.D, t); }
  else { const t = rt - 5.0; z = horner(AS241.E, t) / horner(AS241.F, t); }
  return q < 0.0 ? -z : z;
}

/**
 * The range [lo, hi] (mV) of initial V of width `spread` centred on `centre`
 * (wbmodel.draws.V_range_of_spread): centre ∓ spread/2 in float64, so the page and wbmodel
 * hold the same two numbers. A spread of 20 gives the paper's [-70, -50] exactly.
 */
export function VRangeOfSpread(spread, centre = V_INIT_CENTRE) {
  if (!(typeof spread === "number" && Number.isFinite(spread) && Number.isFinite(centre))) {
    throw new Error(`the spread and centre must be finite numbers, got ${spread}, ${centre}`);
  }
  if (spread < 0) throw new Error(`the spread of the initial V must be >= 0 mV, got ${spread}`);
  return [centre - spread / 2, centre + spread / 2];
}

/** A range of initial V [lo, hi] (mV), checked as wbmodel checks it: finite, lo <= hi. */
function checkVRange(V_range) {
  if (!(V_range && V_range.length === 2)) throw new Error(`V0_range must be [lo, hi] (mV), got ${V_range}`);
  const lo = V_range[0], hi = V_range[1];
  if (!(typeof lo === "number" && typeof hi === "number" && Number.isFinite(lo) && Number.isFinite(hi))) {
    throw new Error(`V0_range must be two finite numbers (mV), got [${lo}, ${hi}]`);
  }
  if (lo > hi) throw new Error(`V0_range must have lo <= hi, got [${lo}, ${hi}] mV`);
  return [lo, hi];
}

/**
 * What a run draws from its seed before the first step (wbmodel.simulation.initial_state):
 * I (drives, µA/cm²) and V0 (mV), float32 values in Float64Arrays, and pre, the wiring
 * (Int32Array N·K, row-major, N marks padding; null when all-to-all) with its width K.
 * V_range: [lo, hi] (mV) the initial V are drawn from, uniformly (default V_INIT_RANGE, the
 * paper's; lo === hi starts every cell there), as wbmodel.draws.initial_V.
 */
export function initialState(p, seed, V_range = V_INIT_RANGE) {
  const N = p.n_cells, I = new Float64Array(N), V0 = new Float64Array(N), key = seedKey(seed);
  const [lo, hi] = checkVRange(V_range);
  for (let i = 0; i < N; i++) {
    const z = normalIcdf((bits52(key, STREAM_DRIVE, i) + 0.5) * TWO_M52);
    I[i] = Math.fround(p.I_app + p.I_sigma * z);
    V0[i] = Math.fround(lo + (hi - lo) * (bits52(key, STREAM_V0, i) * TWO_M52));
  }
  const w = p.n_inputs === null ? null : wiring(N, p.n_inputs, p.wiring ?? "fixed", seed);
  return { I, V0, pre: w && w.pre, K: w && w.K };
}

/** The width K of a sparse network's wiring (wbmodel.wiring.wiring_width). */
export function wiringWidth(N, M, scheme) {
  if (scheme === "fixed") return M;
  const p = M / (N - 1);
  return Math.min(N - 1, Math.ceil(M + 6 * Math.sqrt(M * (1 - p)) + 6));
}

/**
 * A sparse network's wiring (wbmodel.wiring.wiring_indices): {pre, K}, pre an Int32Array of
 * N rows of K presynaptic cells, ascending, padded with N (a silent source).
 */
export function wiring(N, M, scheme, seed) {
  if (!WIRINGS.includes(scheme)) throw new Error(`wiring must be one of ${WIRINGS.join(", ")}, got ${scheme}`);
  if (!(Number.isInteger(M) && M >= 1 && M <= N - 1)) throw new Error(`n_inputs must be in [1, ${N - 1}], got ${M}`);
  const n = N - 1, K = wiringWidth(N, M, scheme), pre = new Int32Array(N * K).fill(N);
  const key = seedKey(seed), p = M / n;
  const row = [];
  const seen = new Uint8Array(n);
  for (let i = 0; i < N; i++) {
    row.length = 0;
    const stream = STREAM_WIRING + i;
    if (M === n || (scheme !== "fixed" && p >= 1.0)) {
      for (let c = 0; c < n; c++) row.push(c);
    } else if (scheme === "fixed") {  // the first M distinct candidates ⌊u·(N − 1)⌋
      seen.fill(0);
      for (let k = 0; row.length < M; k++) {
        const c = Math.min(Math.floor(bits52(key, stream, k) * TWO_M52 * n), n - 1);
        if (!seen[c]) { seen[c] = 1; row.push(c); }
      }
    } else {  // Bernoulli(p) by geometric skips
      const logQ = log(1.0 - p);
      let acc = 0;
      for (let k = 0; ; k++) {
        acc += Math.floor(log((bits52(key, stream, k) + 0.5) * TWO_M52) / logQ) + 1.0;
        if (acc - 1.0 >= n) break;
        row.push(acc - 1.0);
      }
      if (row.length > K) throw new Error(`a cell drew ${row.length} inputs, more than the padding ${K}`);
    }
    const out = row.map((c) => c + (c >= i ? 1 : 0)).sort((a, b) => a - b);
    pre.set(out, i * K);
  }
  return { pre, K };
}

// -- the network (wbmodel/network.py) ---------------------------------------------------------

/**
 * N cells coupled by GABA_A synapses, stepped in place.
 *
 * options: dt (ms), seed, V0 and I (Float64Array(N): initial V and drives; default drawn
 * from the seed, as wbmodel draws them), V0_range ([lo, hi] mV: the range the initial V are
 * drawn from, default V_INIT_RANGE; wbmodel.simulate's V0_range), pre (Int32Array of N rows
 * of K inputs, N marking padding: sparse wiring; default drawn from the seed when n_inputs
 * is set), tables (default true).
 */
export class Network {
  constructor(params, options = {}) {
    const p = (this.p = checkParams(params));
    const N = (this.N = p.n_cells);
    const dt = (this.dt = options.dt ?? 0.01);
    if (!(dt > 0 && dt <= MAX_DT * (1 + 1e-9))) {
      throw new Error(`dt must be in (0, ${MAX_DT}] ms, got ${dt}`);
    }
    const seed = options.seed ?? 0;
    const drawn = options.I && options.V0 && (options.pre || p.n_inputs === null);
    const init = drawn ? null : initialState(p, seed, options.V0_range ?? V_INIT_RANGE);
    this.I = Float64Array.from(options.I ?? init.I);
    const V0 = Float64Array.from(options.V0 ?? init.V0);
    if (this.I.length !== N || V0.length !== N) throw new Error(`I and V0 must have ${N} values`);
    this.V = V0;
    this.h = V0.map(h_inf);
    this.n = V0.map(n_inf);
    this.s = new Float64Array(N + 1);  // s[N] = 0: the silent source of padded wiring
    this.g = new Float64Array(N);
    this.M = p.n_inputs === null ? N - 1 : p.n_inputs;
    // each synapse onto cell i weighs g_syn/(N − 1), g_syn/M or g_syn/k_i (bernoulli_scaled)
    this.w = new Float64Array(N).fill(p.g_syn / this.M);
    this.pre = null;
    this.K = 0;
    if (p.n_inputs !== null) {
      this.pre = Int32Array.from(options.pre ?? init.pre);
      if (this.pre.length % N !== 0) throw new Error(`pre must have N rows of inputs`);
      this.K = this.pre.length / N;
      for (const j of this.pre) if (!(j >= 0 && j <= N)) throw new Error(`pre holds a bad index ${j}`);
      if (p.wiring === "bernoulli_scaled") {
        for (let i = 0; i < N; i++) {
          let k = 0;
          for (let c = 0; c < this.K; c++) if (this.pre[i * this.K + c] < N) k++;
          this.w[i] = p.g_syn / Math.max(k, 1);
        }
      }
    }
    this.tables = options.tables === false ? null : makeTables(p, dt);
    this.stepCount = 0;
  }

  /**
   * Advance `steps` steps. For each spike calls onSpike(step, cell), where the spike
   * happened within step `step` (0-based; its time is (step + 1)·dt, the end of the step);
   * after every `frameSteps`-th step (counted from the start of the run) calls onFrame().
   * Returns the number of spikes.
   */
  run(steps, onSpike = null, frameSteps = 0, onFrame = null) {
    const { p, N, dt, V, h, n, s, g, I, w, pre, K } = this;
    const T = this.tables;
    const gNa = p.g_Na, gK = p.g_K, gL = p.g_L, ENa = p.E_Na, EK = p.E_K, EL = p.E_L;
    const Esyn = p.E_syn, invC = 1.0 / p.C;
    const A = T ? T.A : null, B = T ? T.B : null, nT = T ? T.n - 1 : 0;
    const Vmin = T ? T.V_min : 0, inv = T ? T.inv_dV : 0;
    let count = 0;
    for (let k = 0; k < steps; k++) {
      const step = this.stepCount++;
      // The projection: each cell's conductance from s(t) (before any s moves).
      if (pre === null) {
        let S = 0.0;
        for (let j = 0; j < N; j++) S += s[j];
        for (let i = 0; i < N; i++) g[i] = w[i] * (S - s[i]);
      } else {
        for (let i = 0, o = 0; i < N; i++, o += K) {
          let S = 0.0;
          for (let c = 0; c < K; c++) S += s[pre[o + c]];
          g[i] = w[i] * S;
        }
      }
      for (let i = 0; i < N; i++) {
        const V0 = V[i], h0 = h[i], n0 = n[i], gi = g[i];
        // V: exponential Euler with the diagonal Jacobian.
        let mi, dmi;
        const x = (V0 - Vmin) * inv, t = x | 0;
        if (T && x >= 0 && t < nT) {  // the table at the old V: this grid point (o), the next (o1)
          const f = x - t, o = A_SLOTS * t, o1 = o + A_SLOTS;
          mi = A[o + M_INF] + f * (A[o1 + M_INF] - A[o + M_INF]);
          dmi = A[o + DM_INF] + f * (A[o1 + DM_INF] - A[o + DM_INF]);
        } else {
          mi = m_inf(V0); dmi = dm_inf(V0);
        }
        const m2 = mi * mi, m3 = m2 * mi, n2 = n0 * n0, n4 = n2 * n2;
        const F = (-gNa * m3 * h0 * (V0 - ENa) - gK * n4 * (V0 - EK) - gL * (V0 - EL) +
                   I[i] + gi * (Esyn - V0)) * invC;
        const J = (-gNa * (3.0 * m2 * dmi * h0 * (V0 - ENa) + m3 * h0) - gK * n4 - gL - gi) * invC;
        const z = dt * J;
        const V1 = V0 + (z === 0 ? dt * F : (Math.expm1(z) / J) * F);
        // h, n and s with the new V.
        const y = (V1 - Vmin) * inv, u = y | 0;
        let hI, hE, nI, nE, sI, sE;  // each gate's steady state (I) and decay (E) at V1
        if (T && y >= 0 && u < nT) {
          const f = y - u, o = B_SLOTS * u, o1 = o + B_SLOTS;
          hI = B[o + H_INF] + f * (B[o1 + H_INF] - B[o + H_INF]);
          hE = B[o + H_DECAY] + f * (B[o1 + H_DECAY] - B[o + H_DECAY]);
          nI = B[o + N_INF] + f * (B[o1 + N_INF] - B[o + N_INF]);
          nE = B[o + N_DECAY] + f * (B[o1 + N_DECAY] - B[o + N_DECAY]);
          sI = B[o + S_INF] + f * (B[o1 + S_INF] - B[o + S_INF]);
          sE = B[o + S_DECAY] + f * (B[o1 + S_DECAY] - B[o + S_DECAY]);
        } else {  // off the grid: the exact functions
          const gq = gatesAt(V1, p, dt);
          hI = gq[A_SLOTS + H_INF]; hE = gq[A_SLOTS + H_DECAY];
          nI = gq[A_SLOTS + N_INF]; nE = gq[A_SLOTS + N_DECAY];
          sI = gq[A_SLOTS + S_INF]; sE = gq[A_SLOTS + S_DECAY];
        }
        h[i] = hI + (h0 - hI) * hE;
        n[i] = nI + (n0 - nI) * nE;
        s[i] = sI + (s[i] - sI) * sE;
        V[i] = V1;
        if (V0 < SPIKE_THRESHOLD && V1 >= SPIKE_THRESHOLD) {
          count++;
          if (onSpike !== null) onSpike(step, i);
        }
      }
      if (onFrame !== null && (step + 1) % frameSteps === 0) onFrame();
    }
    return count;
  }

  /** Mean V over cells (mV); NaN once any cell diverged. */
  meanV() {
    let m = 0.0;
    for (let i = 0; i < this.N; i++) m += this.V[i];
    return m / this.N;
  }
}

/**
 * Run a network for `duration` ms, one chunk at a time: a generator that yields each chunk
 * as it is done, {t0, t1, times, cells, V} (the chunk's spikes and recorded V), and returns
 * the whole run (see simulate). A caller that stops asking stops the run: this is how the
 * page's worker cancels a run for a newer one.
 *
 * options: as Network's, plus duration (ms, default 500), record (cells whose V is kept at
 * every frame), frame (ms between kept V samples, default dt) and chunk (ms per chunk).
 * Throws an Error whose message says so if the state becomes NaN or infinite.
 */
export function* chunks(params, options = {}) {
  const net = new Network(params, options);
  const dt = net.dt, duration = options.duration ?? 500.0;
  const steps = Math.round(duration / dt);
  if (!(steps >= 1 && Math.abs(steps * dt - duration) <= 1e-9 * Math.max(1, duration))) {
    throw new Error(`duration must be a whole number of steps of dt: ${duration} / ${dt}`);
  }
  const record = options.record ?? [];
  for (const c of record) if (!(c >= 0 && c < net.N)) throw new Error(`cannot record cell ${c}`);
  const frameSteps = Math.max(1, Math.round((options.frame ?? dt) / dt));
  const chunkSteps = Math.max(frameSteps,
    Math.round((options.chunk ?? duration) / dt / frameSteps) * frameSteps);
  const times = [], cells = [], nFrames = Math.floor(steps / frameSteps);
  const Vrec = record.map(() => new Float32Array(nFrames));
  let frame = 0;
  const onSpike = (step, i) => { times.push((step + 1) * dt); cells.push(i); };
  const onFrame = () => {
    if (frame < nFrames) for (let r = 0; r < record.length; r++) Vrec[r][frame] = net.V[record[r]];
    frame++;
  };
  for (let done = 0; done < steps;) {
    const todo = Math.min(chunkSteps, steps - done), first = times.length, f0 = frame;
    net.run(todo, onSpike, frameSteps, onFrame);
    done += todo;
    if (!Number.isFinite(net.meanV())) {
      throw new Error(`the run diverged: the state became NaN/Inf by t = ${(done * dt).toFixed(2)} ms ` +
                      `(dt = ${dt} ms); try a smaller dt or milder parameters`);
    }
    yield {
      t0: (done - todo) * dt, t1: done * dt, times: Float64Array.from(times.slice(first)),
      cells: Int32Array.from(cells.slice(first)), V: Vrec.map((v) => v.slice(f0, frame)),
    };
  }
  return {
    params: net.p, dt, duration, n_cells: net.N, steps, times: Float64Array.from(times),
    cells: Int32Array.from(cells), I: net.I, record, V: Vrec, frame: frameSteps * dt,
    // null when the caller gave the initial V (options.V0): no range drew them
    pre: net.pre, V0_range: options.V0 ? null : Array.from(options.V0_range ?? V_INIT_RANGE),
  };
}

/**
 * Run a network for `duration` ms and collect its spikes (options as chunks', plus
 * onChunk(chunk), called as the run proceeds).
 *
 * Returns {params, dt, duration, n_cells, steps, times (ms, Float64Array), cells
 * (Int32Array), I, record, V (per recorded cell, Float32Array), frame (ms), pre, V0_range
 * ([lo, hi] mV the initial V were drawn from; null when options.V0 gave them)}.
 */
export function simulate(params, options = {}) {
  const run = chunks(params, options);
  for (;;) {
    const r = run.next();
    if (r.done) return r.value;
    if (options.onChunk) options.onChunk(r.value);
  }
}

// -- measures (wbmodel/analysis.py) -----------------------------------------------------------

/** The analysis window (start, stop] in ms: by default after the 200 ms transient. */
export function analysisWindow(res, start = null, stop = null) {
  const T = res.duration;
  if (start === null) start = T >= 2 * TRANSIENT ? TRANSIENT : T / 2;
  if (stop === null) stop = T;
  if (!(start >= 0 && start < stop && stop <= T + 1e-9)) {
    throw new Error(`need 0 <= start < stop <= duration (${T} ms), got start=${start}, stop=${stop}`);
  }
  return [start, stop];
}

/** Population firing rate in bins of `bin` ms (Hz: spikes / (N · bin)), numpy's histogram. */
export function populationActivity(res, bin = 1.0, start = null, stop = null) {
  [start, stop] = analysisWindow(res, start, stop);
  const nb = Math.floor((stop - start) / bin + 1e-9);
  if (nb < 1) throw new Error(`bin = ${bin} ms is longer than the window (${stop - start} ms)`);
  const edges = new Float64Array(nb + 1);
  for (let k = 0; k <= nb; k++) edges[k] = start + bin * k;
  const counts = new Float64Array(nb);
  for (let s = 0; s < res.times.length; s++) {
    const t = res.times[s];
    if (!(t > start && t <= stop)) continue;
    const x = t - 1e-9;  // (a, b] bins: a spike is stamped at its step's end
    if (x < edges[0] || x > edges[nb]) continue;
    let k = Math.min(nb - 1, Math.max(0, Math.floor((x - start) / bin)));
    while (k > 0 && x < edges[k]) k--;
    while (k < nb - 1 && x >= edges[k + 1]) k++;
    counts[k]++;
  }
  const scale = 1.0 / (res.n_cells * bin * 1e-3);
  return { times: edges.slice(0, nb).map((e) => e + bin / 2), rate: counts.map((c) => c * scale) };
}

/** In-place radix-2 FFT of (re, im), length a power of two. */
function fft(re, im) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { [re[i], re[j]] = [re[j], re[i]]; [im[i], im[j]] = [im[j], im[i]]; }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len, wr = Math.cos(ang), wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const xr = re[b] * cr - im[b] * ci, xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr; im[b] = im[a] - xi; re[a] += xr; im[a] += xi;
        const t = cr * wr - ci * wi; ci = cr * wi + ci * wr; cr = t;
      }
    }
  }
}

/**
 * Frequency of the population rhythm (Hz): the peak of the power spectrum of the population
 * activity (1 ms bins, Gaussian smoothing of SD 1 ms, mean removed, Hann window, zero-padded
 * to 32768 points, parabolic refinement of the log power), in [fmin, fmax]. Throws when no
 * cell fired in the window.
 */
export function networkFrequency(res, start = null, stop = null, fmin = 5.0, fmax = 300.0) {
  const { rate } = populationActivity(res, 1.0, start, stop);
  const M = rate.length;
  if (!rate.some((r) => r !== 0)) throw new Error("network frequency is undefined: no cell fired in the window");
  let nfft = 32768;
  while (nfft < M) nfft *= 2;  // wbmodel: max(32768, M); the same for runs up to 32 s
  const mean = rate.reduce((a, b) => a + b, 0) / M;
  const re = new Float64Array(nfft), im = new Float64Array(nfft);
  for (let k = 0; k < M; k++) {
    const w = M === 1 ? 1.0 : 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / (M - 1));
    re[k] = (rate[k] - mean) * w;
  }
  fft(re, im);
  const df = 1000.0 / nfft, half = nfft / 2;
  const power = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    const f = k * df;
    power[k] = (re[k] * re[k] + im[k] * im[k]) * Math.exp(-((2 * Math.PI * f * 1e-3) ** 2));
  }
  let best = -1;
  for (let k = 0; k <= half; k++) {
    const f = k * df;
    if (f >= fmin && f <= fmax && (best < 0 || power[k] > power[best])) best = k;
  }
  let shift = 0.0;
  if (best > 0 && best < half) {
    const a = Math.log(power[best - 1] + 1e-300), b = Math.log(power[best] + 1e-300);
    const c = Math.log(power[best + 1] + 1e-300), d = a - 2 * b + c;
    shift = d !== 0 ? (0.5 * (a - c)) / d : 0.0;
  }
  return (best + shift) * df;
}

/**
 * The paper's coherence κ(τ): mean over pairs i ≠ j of Σ_l X_i X_j / √(Σ X_i Σ X_j), with
 * X_i(l) = 1 when cell i fired in bin l of width τ (default 0.1/f). O(N·L), no N × N matrix.
 * Throws when no cell fired in the window.
 */
export function coherence(res, tau = null, start = null, stop = null) {
  const N = res.n_cells;
  if (N < 2) throw new Error("coherence needs at least two cells");
  if (tau === null) tau = 100.0 / networkFrequency(res, start, stop);
  [start, stop] = analysisWindow(res, start, stop);
  if (!(tau > 0)) throw new Error(`tau must be > 0 ms, got ${tau}`);
  const L = Math.floor((stop - start) / tau + 1e-9);
  if (L < 1) throw new Error(`tau = ${tau} ms is longer than the window (${stop - start} ms)`);
  const end = start + L * tau, X = new Uint8Array(N * L), count = new Float64Array(N);
  for (let s = 0; s < res.times.length; s++) {
    const t = res.times[s];
    if (!(t > start && t <= end)) continue;
    const l = Math.min(L - 1, Math.max(0, Math.ceil((t - start) / tau - 1e-9) - 1));
    const k = res.cells[s] * L + l;
    if (!X[k]) { X[k] = 1; count[res.cells[s]]++; }
  }
  const col = new Float64Array(L);
  let active = 0;
  for (let i = 0; i < N; i++) {
    if (!count[i]) continue;
    active++;
    const y = 1.0 / Math.sqrt(count[i]);
    for (let l = 0; l < L; l++) if (X[i * L + l]) col[l] += y;
  }
  if (!active) throw new Error(`coherence is undefined: no cell fired in the window (${start}, ${stop}] ms`);
  let total = -active;
  for (let l = 0; l < L; l++) total += col[l] * col[l];
  return Math.min(Math.max(total / (N * (N - 1)), 0.0), 1.0);
}

/** Mean firing rate over cells in the window (Hz). */
export function meanRate(res, start = null, stop = null) {
  [start, stop] = analysisWindow(res, start, stop);
  let c = 0;
  for (const t of res.times) if (t > start && t <= stop) c++;
  return c / res.n_cells / ((stop - start) * 1e-3);
}

/** κ, network frequency (Hz) and mean rate (Hz); κ and f are null when no cell fired. */
export function summary(res, start = null, stop = null) {
  const rate = meanRate(res, start, stop);
  if (rate === 0) return { kappa: null, frequency: null, rate };
  const frequency = networkFrequency(res, start, stop);
  return { kappa: coherence(res, 100.0 / frequency, start, stop), frequency, rate };
}

// -- the single cell (wbmodel/single_cell.py) -------------------------------------------------

/**
 * Steady firing rate (Hz) of one uncoupled cell for each drive (µA/cm²), as wb.fi_curve:
 * start at rest (−65 mV), skip the transient, rate = (count − 1)/(last − first) with crossing
 * times interpolated linearly within the step; 0 with fewer than two spikes.
 */
export function fiCurve(drives, params = {}, duration = 2000.0, transient = 500.0, dt = 0.01, tables = true) {
  const K = drives.length;
  const p = { ...params, n_cells: Math.max(2, K), n_inputs: null, g_syn: 0.0, I_sigma: 0.0 };
  const I = new Float64Array(p.n_cells), V0 = new Float64Array(p.n_cells).fill(V_REST_START);
  drives.forEach((x, k) => { I[k] = x; });
  const net = new Network(p, { dt, I, V0, tables });
  const steps = Math.round(duration / dt), start = Math.round(transient / dt);
  const count = new Float64Array(K), first = new Float64Array(K).fill(NaN), last = new Float64Array(K).fill(NaN);
  const Vb = new Float64Array(net.N);
  for (let i = 0; i < steps; i++) {
    Vb.set(net.V);
    net.run(1, (step, c) => {
      if (i < start || c >= K) return;
      const tc = (i + (SPIKE_THRESHOLD - Vb[c]) / (net.V[c] - Vb[c])) * dt;
      count[c]++;
      if (Number.isNaN(first[c])) first[c] = tc;
      last[c] = tc;
    });
  }
  return Array.from(count, (c, k) => (c >= 2 ? ((c - 1) / (last[k] - first[k])) * 1e3 : 0.0));
}
