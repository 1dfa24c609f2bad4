// wbmodel.js: the Wang–Buzsáki (1996) network in JavaScript, for the reader's browser.
//
// A second implementation on purpose: it follows wbmodel/cell.py, synapse.py, network.py,
// simulation.py and analysis.py line for line, names included, and tests/test_web_parity.py
// keeps the two together (same initial state → same spikes, κ and frequency). Float64
// throughout. No DOM access: it runs in a Web Worker, in a page and in Node.
//
// Units are the paper's: mV, ms, µA/cm², mS/cm², µF/cm², 1/ms.
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
  n_cells: 100, n_inputs: null, I_app: 1.0, I_sigma: 0.0, g_syn: 0.1, E_syn: -75.0,
  alpha: 12.0, beta: 0.1, theta_syn: 0.0, phi: 5.0, g_Na: 35.0, g_K: 9.0, g_L: 0.1,
  E_Na: 55.0, E_K: -90.0, E_L: -65.0, C: 1.0,
});

/** A spike is an upward crossing of this level (mV), as wbmodel.cell.SPIKE_THRESHOLD. */
export const SPIKE_THRESHOLD = 0.0;
/** Initial V of every network cell: uniform in this range (mV), as in wbmodel. */
export const V_INIT_RANGE = [-70.0, -50.0];
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
 * Tabulate what the step needs of V alone, for one (dt, φ, α, β, θ_syn).
 *
 * A: [m∞, ∂m∞/∂V] per grid point (read at the old V); B: [h∞, e^{−dt φ (α_h+β_h)}, n∞,
 * e^{−dt φ (α_n+β_n)}, s∞, e^{−dt (α F + β)}] per grid point (read at the new V).
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
  const A = new Float64Array(2 * n), B = new Float64Array(6 * n);
  for (let k = 0; k < n; k++) {
    const V = TABLE.V_min + k * TABLE.dV;
    const g = gatesAt(V, p, dt);
    A[2 * k] = g[0]; A[2 * k + 1] = g[1];
    for (let j = 0; j < 6; j++) B[6 * k + j] = g[2 + j];
  }
  return { A, B, n, V_min: TABLE.V_min, inv_dV: 1.0 / TABLE.dV, p: { ...p }, dt };
}

/** The eight tabulated quantities at one V, from the exact functions. */
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
  for (let j = 0; j < 2; j++) q[j] = T.A[2 * i + j] + f * (T.A[2 * i + 2 + j] - T.A[2 * i + j]);
  for (let j = 0; j < 6; j++) q[2 + j] = T.B[6 * i + j] + f * (T.B[6 * i + 6 + j] - T.B[6 * i + j]);
}

// -- parameters ------------------------------------------------------------------------------

/** Bounds of every parameter (as WBParams enforces them), for clamping and refusing. */
export const BOUNDS = Object.freeze({
  n_cells: [2, 1000], I_app: [-10, 50], I_sigma: [0, 10], g_syn: [0, 10], E_syn: [-120, 60],
  alpha: [1e-3, 1000], beta: [1e-3, 100], theta_syn: [-80, 60], phi: [0.05, 50],
  g_Na: [0, 500], g_K: [0, 500], g_L: [0, 50], E_Na: [-100, 150], E_K: [-150, 50],
  E_L: [-150, 50], C: [1e-3, 100],
});

/**
 * Complete and check a parameter object. Unknown names, non-numbers and out-of-range
 * values raise an Error that names the parameter (nothing is clamped here: the UI clamps
 * and says so; the model refuses).
 */
export function checkParams(given = {}) {
  const p = { ...DEFAULTS };
  for (const [k, v] of Object.entries(given)) {
    if (!(k in DEFAULTS)) throw new Error(`unknown parameter ${k}`);
    p[k] = v;
  }
  for (const [k, [lo, hi]] of Object.entries(BOUNDS)) {
    const v = p[k];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(`${k} must be a finite number, got ${v}`);
    }
    if (v < lo || v > hi) throw new Error(`${k} must be in [${lo}, ${hi}], got ${v}`);
  }
  if (!Number.isInteger(p.n_cells)) throw new Error(`n_cells must be an integer, got ${p.n_cells}`);
  const m = p.n_inputs;
  if (m !== null && !(Number.isInteger(m) && m >= 1 && m <= p.n_cells - 1)) {
    throw new Error(`n_inputs must be null (all-to-all) or an integer in [1, ${p.n_cells - 1}], got ${m}`);
  }
  return p;
}

// -- random numbers (the page's own; wbmodel's JAX draws are passed in for parity) ----------

/** A seeded generator of uniform numbers in [0, 1) (splitmix32 seeding, sfc32 stream). */
export function rng(seed) {
  let s = (seed >>> 0) ^ 0x9e3779b9;
  const mix = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = mix(), b = mix(), c = mix(), d = mix();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let k = 0; k < 12; k++) next();
  next.normal = () => {
    let u = 0;
    while (u === 0) u = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return next;
}

/** Every cell's M distinct presynaptic partners, never itself (fixed in-degree), flat (N·M). */
export function fixedInDegree(N, M, seed) {
  const r = rng(seed ^ 0x57b), pre = new Int32Array(N * M), pool = new Int32Array(N - 1);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N - 1; j++) pool[j] = j + (j >= i ? 1 : 0);
    for (let k = 0; k < M; k++) {  // partial Fisher–Yates
      const j = k + Math.floor(r() * (N - 1 - k));
      const t = pool[k]; pool[k] = pool[j]; pool[j] = t;
    }
    const row = pool.slice(0, M).sort();
    pre.set(row, i * M);
  }
  return pre;
}

/** Initial V (uniform in V_INIT_RANGE) and drives (Normal(I_app, I_sigma)) from a seed. */
export function initialState(p, seed) {
  const r = rng(seed), N = p.n_cells, I = new Float64Array(N), V0 = new Float64Array(N);
  for (let i = 0; i < N; i++) I[i] = p.I_app + p.I_sigma * r.normal();
  for (let i = 0; i < N; i++) V0[i] = V_INIT_RANGE[0] + (V_INIT_RANGE[1] - V_INIT_RANGE[0]) * r();
  return { I, V0 };
}

// -- the network (wbmodel/network.py) ---------------------------------------------------------

/**
 * N cells coupled by GABA_A synapses, stepped in place.
 *
 * options: dt (ms), seed, V0 and I (Float64Array(N): initial V and drives; default from the
 * seed), pre (Int32Array N·M: sparse wiring; default drawn from the seed when n_inputs is
 * set), record (cell indices whose V to keep), tables (default true).
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
    const init = initialState(p, seed);
    this.I = Float64Array.from(options.I ?? init.I);
    const V0 = Float64Array.from(options.V0 ?? init.V0);
    if (this.I.length !== N || V0.length !== N) throw new Error(`I and V0 must have ${N} values`);
    this.V = V0;
    this.h = V0.map(h_inf);
    this.n = V0.map(n_inf);
    this.s = new Float64Array(N);
    this.g = new Float64Array(N);
    this.M = p.n_inputs === null ? N - 1 : p.n_inputs;
    this.w = p.g_syn / this.M;  // weight of one synapse: g_syn/(N − 1) or g_syn/M
    this.pre = null;
    if (p.n_inputs !== null) {
      this.pre = options.pre ? Int32Array.from(options.pre) : fixedInDegree(N, p.n_inputs, seed);
      if (this.pre.length !== N * p.n_inputs) throw new Error(`pre must have N·M = ${N * p.n_inputs} entries`);
      for (const j of this.pre) if (!(j >= 0 && j < N)) throw new Error(`pre holds a bad index ${j}`);
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
    const { p, N, dt, V, h, n, s, g, I, w, pre, M } = this;
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
        for (let i = 0; i < N; i++) g[i] = w * (S - s[i]);
      } else {
        for (let i = 0, o = 0; i < N; i++, o += M) {
          let S = 0.0;
          for (let c = 0; c < M; c++) S += s[pre[o + c]];
          g[i] = w * S;
        }
      }
      for (let i = 0; i < N; i++) {
        const V0 = V[i], h0 = h[i], n0 = n[i], gi = g[i];
        // V: exponential Euler with the diagonal Jacobian.
        let mi, dmi;
        const x = (V0 - Vmin) * inv, t = x | 0;
        if (T && x >= 0 && t < nT) {
          const f = x - t, o = 2 * t;
          mi = A[o] + f * (A[o + 2] - A[o]);
          dmi = A[o + 1] + f * (A[o + 3] - A[o + 1]);
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
        if (T && y >= 0 && u < nT) {
          const f = y - u, o = 6 * u;
          const hI = B[o] + f * (B[o + 6] - B[o]), hE = B[o + 1] + f * (B[o + 7] - B[o + 1]);
          const nI = B[o + 2] + f * (B[o + 8] - B[o + 2]), nE = B[o + 3] + f * (B[o + 9] - B[o + 3]);
          const sI = B[o + 4] + f * (B[o + 10] - B[o + 4]), sE = B[o + 5] + f * (B[o + 11] - B[o + 5]);
          h[i] = hI + (h0 - hI) * hE;
          n[i] = nI + (n0 - nI) * nE;
          s[i] = sI + (s[i] - sI) * sE;
        } else {
          const gq = gatesAt(V1, p, dt);
          h[i] = gq[2] + (h0 - gq[2]) * gq[3];
          n[i] = gq[4] + (n0 - gq[4]) * gq[5];
          s[i] = gq[6] + (s[i] - gq[6]) * gq[7];
        }
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
    pre: net.pre,
  };
}

/**
 * Run a network for `duration` ms and collect its spikes (options as chunks', plus
 * onChunk(chunk), called as the run proceeds).
 *
 * Returns {params, dt, duration, n_cells, steps, times (ms, Float64Array), cells
 * (Int32Array), I, record, V (per recorded cell, Float32Array), frame (ms), pre}.
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
