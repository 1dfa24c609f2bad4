// explorer.js: the live explorer in the page. Draws the controls and a canvas, runs the
// model (wbmodel.js) in a Web Worker and draws the raster, the population rate and two
// voltage traces while the run proceeds; κ, the frequency and the mean rate when it ends.
//
// Loaded as a classic script by wbmodel.browser.browser_explorer, which inlines it with the
// model's source; it defines window.WBLive once and mounts every explorer on the page. The
// worker is built from a Blob (the model with its `export`s dropped, plus a message
// handler), which works in a served page, from file:// and in Jupyter, offline.
(function () {
  "use strict";
  if (window.WBLive) return;

  // name -> [label, min, max, step, unit, Python unit, accessible name (default: the label)].
  // A template: min and max are 0 here. Each explorer copies it and takes its ranges from
  // wbmodel.browser's RANGES, and the steps it offers from PAGE_DTS: Python passes both in
  // the explorer's config, with the paper's values and the centre of the initial V. So
  // every explorer keeps its own state, and two explorers on a page cannot meet.
  // V0_spread (s) belongs to the run, not the model: the initial V are uniform in
  // [c − s/2, c + s/2] mV (wbmodel.simulate's V0_range), c = wbmodel.draws.V_INIT_CENTRE.
  var CONTROLS = {
    I_app: ["I_app", 0, 0, 0.01, "µA/cm²", "UA"],
    g_syn: ["g_syn", 0, 0, 0.005, "mS/cm²", "MS"],
    I_sigma: ["I_σ", 0, 0, 0.005, "µA/cm²", "UA"],
    tau_syn: ["τ_syn", 0, 0, 0.5, "ms", "u.ms"],
    phi: ["φ", 0, 0, 0.01, "", ""],
    E_syn: ["E_syn", 0, 0, 0.5, "mV", "u.mV"],
    n_inputs: ["M", 0, 0, 1, "", ""],
    n_cells: ["N", 0, 0, 1, "cells", ""],
    V0_spread: ["ΔV₀", 0, 0, 0.5, "mV", "u.mV", "initial V spread ΔV₀"],
    wiring: ["wiring", 0, 0, 0, "", ""],
    seed: ["seed", 0, 0, 1, "", ""],
    duration: ["duration", 0, 0, 50, "ms", ""],
  };
  // The wiring schemes of a sparse network (wbmodel.wiring), as the menu names them.
  var WIRINGS = { fixed: "fixed in-degree (M each)", bernoulli: "Bernoulli, weights g/⟨M⟩",
                  bernoulli_scaled: "Bernoulli, weights g/kᵢ" };
  var FRAME_MS = 0.1, CHUNK_MS = 10;

  function fmt(x, d) { return x === null || x === undefined || !isFinite(x) ? "–" : x.toFixed(d); }
  function clean(x) { return +(+x).toPrecision(6); }

  /**
   * The worker's code: the model (exports dropped: a classic worker) and its handler. One
   * worker serves every run of an explorer and stays warm (compiled step, cached tables; no
   * warm-up run: it would only delay the first result, which is barely slower than the rest);
   * it runs a chunk at a time and looks at its messages between chunks, so a newer run
   * replaces the one in flight within one chunk.
   */
  function workerSource(model) {
    return model.replace(/^export /gm, "") + "\n;(" + function () {
      var current = null, ping = new MessageChannel();
      function tick(id) {
        var c = current;
        if (!c || c.id !== id) return;  // cancelled: a newer run took over
        try {
          var r = c.run.next();
          if (r.done) {
            current = null;
            var ms = performance.now() - c.t0, s = summary(r.value);
            self.postMessage({ type: "done", id: id, kappa: s.kappa, frequency: s.frequency,
                               rate: s.rate, elapsed: ms, cellSteps: r.value.n_cells * r.value.steps,
                               spikes: r.value.times.length,
                               // when the run started and ended, on the page's clock
                               began: performance.timeOrigin + c.t0,
                               ended: performance.timeOrigin + performance.now() });
            return;
          }
          self.postMessage({ type: "chunk", id: id, t0: r.value.t0, t1: r.value.t1,
                             times: r.value.times, cells: r.value.cells, V: r.value.V });
          ping.port2.postMessage(id);
        } catch (err) {
          current = null;
          self.postMessage({ type: "error", id: id, message: String((err && err.message) || err) });
        }
      }
      ping.port1.onmessage = function (e) { tick(e.data); };
      self.onmessage = function (e) {
        var a = e.data;
        current = null;
        try {
          current = { id: a.id, t0: performance.now(), run: chunks(a.params, {
            duration: a.duration, dt: a.dt, seed: a.seed, record: a.record, frame: a.frame,
            chunk: a.chunk,
            V0_range: a.V0_spread === undefined ? V_INIT_RANGE : VRangeOfSpread(a.V0_spread, a.V0_centre) }) };
        } catch (err) {
          self.postMessage({ type: "error", id: a.id, message: String((err && err.message) || err) });
          return;
        }
        tick(a.id);
      };
    }.toString() + ")();\n";
  }

  var blobURL = null;
  function spawn(model) {
    if (!blobURL) blobURL = URL.createObjectURL(new Blob([workerSource(model)], { type: "text/javascript" }));
    return new Worker(blobURL);
  }

  /** Parameters of the page (slider values) -> the model's parameter object. */
  function modelParams(v) {
    return { n_cells: v.n_cells, n_inputs: v.n_inputs, wiring: v.wiring, I_app: v.I_app,
             I_sigma: v.I_sigma, g_syn: v.g_syn, E_syn: v.E_syn, beta: 1 / v.tau_syn, phi: v.phi };
  }

  /**
   * The range of initial V of a spread s around c, [c − s/2, c + s/2] mV: the very
   * operations of wbmodel.js's VRangeOfSpread, which the worker runs with the same centre
   * (this page's thread does not load the model's module, only hands its source to the
   * worker), and of wbmodel.draws.V_range_of_spread.
   */
  function rangeOfSpread(s, c) { return [c - s / 2, c + s / 2]; }

  /** The Python line that reruns these parameters (of explorer `ex`) with wbmodel. */
  function pythonLine(v, ex) {
    var PAPER = ex.paper;
    var parts = [];
    ["n_cells", "n_inputs", "wiring", "I_app", "I_sigma", "g_syn", "E_syn", "tau_syn", "phi"].forEach(function (k) {
      if (v[k] === PAPER[k]) return;
      if (k === "wiring") { if (v.n_inputs !== null) parts.push('wiring="' + v.wiring + '"'); return; }
      var unit = ex.controls[k][5];
      if (k === "tau_syn") { parts.push("beta=1 / (" + clean(v.tau_syn) + " * u.ms)"); return; }
      parts.push(k + "=" + (v[k] === null ? "None" : clean(v[k]) + (unit ? " * " + unit : "")));
    });
    // the range in full (String: the shortest text that reads back as the same float64), as
    // a pair of scalars, which keep float64 (a list times u.mV would be float32)
    var V0 = "";
    if (v.V0_spread !== PAPER.V0_spread) {
      var r = rangeOfSpread(v.V0_spread, ex.vCentre);
      V0 = ", V0_range=(" + String(r[0]) + " * u.mV, " + String(r[1]) + " * u.mV)";
    }
    return "p = wb.WBParams(" + parts.join(", ") + ")\nres = wb.simulate(p, duration=" +
      clean(v.duration) + " * u.ms, dt=" + v.dt + " * u.ms, seed=" + v.seed + V0 + ")";
  }

  function el(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // -- one explorer -------------------------------------------------------------------------
  function Explorer(root, config, model) {
    var self = this;
    this.root = root; this.model = model; this.config = config;
    // This explorer's own controls, steps, paper's values and centre of the initial V.
    this.controls = {};
    Object.keys(CONTROLS).forEach(function (k) {
      var c = CONTROLS[k].slice(), r = (config.ranges || {})[k];
      if (r) { c[1] = r[0]; c[2] = r[1]; }
      self.controls[k] = c;
    });
    this.dts = config.dts;
    this.paper = config.paper;
    this.vCentre = config.V_init_centre !== undefined ? config.V_init_centre : -60.0;
    this.v = Object.assign({}, this.paper, config.params || {});
    this.runs = 0; this.cancelled = 0; this.worker = null;
    // The worker first: it takes a while to start, and can do so while the controls are
    // built and the rest of the page is parsed.
    this.ensureWorker();
    this.inputs = {};
    root.classList.add("wb-live");
    var bar = el("div", { class: "wb-live-presets" }, root);
    var presets = config.presets || {};
    Object.keys(presets).forEach(function (name) {
      var b = el("button", { type: "button", class: "wb-preset" }, bar, name);
      b.addEventListener("click", function () { self.set(Object.assign({}, self.paper, presets[name]), true); });
    });
    var reset = el("button", { type: "button", class: "wb-reset" }, bar, "reset to the paper");
    reset.addEventListener("click", function () { self.set(Object.assign({}, self.paper), true); });
    var body = el("div", { class: "wb-live-body" }, root);
    var form = el("div", { class: "wb-live-controls" }, body);
    (config.controls || Object.keys(this.controls)).forEach(function (k) { self.control(form, k); });
    var dtRow = el("label", { class: "wb-row" }, form);
    el("span", { class: "wb-name" }, dtRow, "dt");
    var dt = (this.inputs.dt = el("select", { class: "wb-dt", "aria-label": "dt (ms)" }, dtRow));
    this.dts.forEach(function (x) { el("option", { value: x }, dt, x + " ms"); });
    dt.addEventListener("change", function () { self.v.dt = +dt.value; self.changed(); });
    var view = el("div", { class: "wb-live-view" }, body);
    this.canvas = el("canvas", { class: "wb-live-canvas", height: config.height || 380, role: "img",
                                 "aria-label": "The network as it runs: spike raster (top), population " +
                                 "rate (middle) and the membrane potential of two cells (bottom); the " +
                                 "readout below gives κ, the frequency and the mean rate" }, view);
    this.readout = el("div", { class: "wb-live-readout", role: "status", "aria-live": "polite" }, view);
    this.message = el("div", { class: "wb-live-message", role: "alert" }, view);
    var py = el("div", { class: "wb-live-python" }, view);
    el("span", {}, py, "Run it in Python: this line runs this very network (the same seed draws the same " +
       "drives, initial potentials and wiring in wbmodel):");
    this.code = el("pre", { class: "wb-live-code" }, py);
    var copy = el("button", { type: "button", class: "wb-copy" }, py, "copy");
    copy.addEventListener("click", function () {
      var text = "import brainunit as u\nimport wbmodel as wb\nUA, MS = u.uA / u.cm**2, u.mS / u.cm**2\n" + self.code.textContent;
      var done = function () { copy.textContent = "copied"; setTimeout(function () { copy.textContent = "copy"; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () {});
      else { var r = document.createRange(); r.selectNodeContents(self.code); var s = getSelection(); s.removeAllRanges(); s.addRange(r); }
    });
    if (config.hash) {
      var applied = this.fromHash();
      window.addEventListener("hashchange", function () { self.fromHash() && self.changed(); });
      if (!applied) this.show();
    }
    if (config.listen) {
      window.addEventListener("wb-set-params", function (e) {
        self.set(Object.assign({}, self.v, e.detail), true);
        root.scrollIntoView({ behavior: "smooth", block: "start" });
      });
    }
    // The canvas takes its size from the first layout (the observer's first call): reading
    // the width now would force a layout of the page while it is still being parsed.
    new ResizeObserver(function () { self.resize(); }).observe(view);
    // The axis labels are drawn in the theme's ink: redraw when the reader switches mode.
    new MutationObserver(function () { self.redraw(); })
      .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    this.show();
    this.start();
  }

  Explorer.prototype.control = function (form, k) {
    var self = this, c = this.controls[k];
    if (k === "wiring") {
      var wrow = el("label", { class: "wb-row wb-row-wiring" }, form);
      el("span", { class: "wb-name" }, wrow, "wiring");
      var sel = el("select", { class: "wb-wiring", "aria-label": "wiring of a sparse network" }, wrow);
      Object.keys(WIRINGS).forEach(function (w) { el("option", { value: w }, sel, WIRINGS[w]); });
      sel.addEventListener("change", function () { self.v.wiring = sel.value; self.changed(); });
      this.inputs.wiring = { select: sel };
      return;
    }
    var row = el("label", { class: "wb-row wb-row-" + k }, form);
    var name = c[6] || c[0];  // what a screen reader says, and a tooltip where it differs
    el("span", c[6] ? { class: "wb-name", title: c[6] } : { class: "wb-name" }, row, c[0]);
    var range = el("input", { type: "range", min: c[1], max: c[2], step: c[3], class: "wb-range", "data-name": k, "aria-label": name }, row);
    var box = el("input", { type: "text", inputmode: "decimal", class: "wb-box", "data-name": k, "aria-label": name + " value" }, row);
    el("span", { class: "wb-unit" }, row, k === "n_inputs" ? "" : c[4]);
    var all = null;
    if (k === "n_inputs") {
      var lab = el("span", { class: "wb-all" }, row);
      all = el("input", { type: "checkbox", class: "wb-all-box", "aria-label": "all-to-all" }, lab);
      el("span", {}, lab, " all-to-all");
      all.addEventListener("change", function () {
        self.v.n_inputs = all.checked ? null : Math.min(+range.value, self.v.n_cells - 1);
        self.changed();
      });
    }
    if (k === "seed") range.style.display = "none";
    this.inputs[k] = { range: range, box: box, all: all };
    range.addEventListener("input", function () {
      self.v[k] = +range.value;
      if (k === "n_inputs" && all) all.checked = false;
      self.show(k);
    });
    range.addEventListener("change", function () { self.v[k] = +range.value; self.say("", false); self.changed(); });
    box.addEventListener("change", function () { if (self.typed(k, box.value)) self.changed(); else self.show(); });
  };

  /**
   * A value typed into a box (or from the URL): clamped to the control's range or refused.
   * Says why (or adds the reason to `notes`, when given); true when a value was set.
   */
  Explorer.prototype.typed = function (k, text, notes) {
    var c = this.controls[k], raw = String(text).trim(), x = Number(raw), note = null, ok = true;
    if (k === "n_inputs" && /^(all|none|null)?$/i.test(raw)) { this.v.n_inputs = null; return true; }
    if (k === "wiring") {
      if (Object.prototype.hasOwnProperty.call(WIRINGS, raw)) { this.v.wiring = raw; return true; }
      note = "wiring: “" + text + "” is not one of " + Object.keys(WIRINGS).join(", ") + "; kept " + this.v.wiring + ".";
      if (notes) notes.push(note); else this.say(note, true);
      return false;
    }
    if (raw === "" || !isFinite(x)) {
      note = c[0] + ": “" + text + "” is not a number; kept " + this.shown(k) + ".";
      ok = false;
    } else {
      var lo = c[1], hi = k === "n_inputs" ? this.v.n_cells - 1 : c[2], y = Math.min(hi, Math.max(lo, x));
      if (k === "n_cells" || k === "n_inputs" || k === "seed") y = Math.round(y);
      if (y !== x) note = c[0] + " = " + x + " is outside [" + lo + ", " + hi + "]: set to " + y + ".";
      this.v[k] = y;
    }
    if (note !== null) { if (notes) notes.push(note); else this.say(note, true); }
    else if (!notes) this.say("", false);
    return ok;
  };

  Explorer.prototype.shown = function (k) { var x = this.v[k]; return x === null ? "all-to-all" : String(x); };

  Explorer.prototype.say = function (text, warn) {
    this.message.textContent = text;
    this.message.className = "wb-live-message" + (warn ? " wb-warn" : "");
  };

  /** Show the values in the controls (all, or all but the slider being dragged). */
  Explorer.prototype.show = function (dragging) {
    var v = this.v;
    if (v.n_inputs !== null && v.n_inputs > v.n_cells - 1) v.n_inputs = v.n_cells - 1;
    for (var k in this.inputs) {
      if (k === "dt") { this.inputs.dt.value = String(v.dt); continue; }
      if (k === "wiring") {
        this.inputs.wiring.select.value = v.wiring;
        this.inputs.wiring.select.disabled = v.n_inputs === null;
        continue;
      }
      var i = this.inputs[k];
      if (k === "n_inputs") {
        i.range.max = v.n_cells - 1;
        if (i.all) i.all.checked = v.n_inputs === null;
        if (k !== dragging) i.range.value = v.n_inputs === null ? v.n_cells - 1 : v.n_inputs;
        i.box.value = v.n_inputs === null ? "all" : v.n_inputs;
        continue;
      }
      if (k !== dragging) i.range.value = v[k];
      i.box.value = clean(v[k]);
    }
    this.code.textContent = pythonLine(v, this);
  };

  Explorer.prototype.set = function (values, run) {
    this.v = Object.assign({}, values);
    this.say("", false);
    this.show();
    if (run) this.changed();
  };

  Explorer.prototype.changed = function () {
    this.show();
    if (this.config.hash) this.toHash();
    this.start();
  };

  Explorer.prototype.toHash = function () {
    var v = this.v, parts = [], PAPER = this.paper;
    Object.keys(PAPER).forEach(function (k) {
      if (v[k] === PAPER[k]) return;
      // the spread in full (String: the shortest text that reads back as the same float64):
      // it draws the initial V, so a link with 6 digits of it would draw another network
      parts.push(k + "=" + (v[k] === null ? "all" : k === "wiring" ? v[k] :
                            k === "V0_spread" ? String(v[k]) : clean(v[k])));
    });
    var h = parts.length ? "#wb:" + parts.join("&") : "#wb";
    if (location.hash !== h) history.replaceState(null, "", h);
  };

  /** Read the URL hash (#wb:I_app=1.2&phi=3.33…); true when it held parameters. */
  Explorer.prototype.fromHash = function () {
    var h = location.hash || "";
    try { h = decodeURIComponent(h); } catch (e) { /* keep it as it is */ }
    if (h.indexOf("#wb") !== 0) return false;
    var v = Object.assign({}, this.paper), notes = [], self = this, DTS = this.dts;
    this.v = v;
    // N first: M's range depends on it
    var pairs = h.replace(/^#wb:?/, "").split("&").filter(Boolean).map(function (kv) {
      var i = kv.indexOf("=");
      return i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)];
    }).sort(function (a, b) { return (b[0] === "n_cells") - (a[0] === "n_cells"); });
    pairs.forEach(function (kv) {
      var k = kv[0], x = kv[1];
      if (k === "dt") {
        if (DTS.indexOf(+x) >= 0) v.dt = +x;
        else notes.push("dt = " + x + " is not one of " + DTS.join(", ") + " ms: kept " + v.dt + " ms.");
      } else if (!Object.prototype.hasOwnProperty.call(self.controls, k)) {
        notes.push("unknown parameter “" + k + "” ignored.");
      } else self.typed(k, x, notes);
    });
    if (notes.length) this.say("From the link: " + notes.join(" "), true);
    this.show();
    return true;
  };

  // -- running --------------------------------------------------------------------------------
  Explorer.prototype.start = function () {
    var self = this, v = this.v;
    if (this.root.dataset.state === "running") this.cancelled++;  // a new value cancels the run in flight
    this.ensureWorker();
    var id = ++this.runs;
    this.root.dataset.runs = this.runs;
    this.root.dataset.cancelled = this.cancelled;
    this.root.dataset.state = "running";
    if (id === 1) this.root.dataset.postedAt = performance.now().toFixed(1);
    this.data = { v: Object.assign({}, v), times: [], cells: [], V: [[], []], t: 0, rateMax: 100,
                  started: performance.now(), firstDrawn: null };
    this.readout.textContent = "running…";
    this.clear();
    var N = v.n_cells;
    this.worker.postMessage({ id: id, params: modelParams(v), duration: v.duration, dt: v.dt, seed: v.seed,
                              V0_spread: v.V0_spread, V0_centre: this.vCentre,
                              record: [0, Math.floor(N / 2)], frame: Math.max(v.dt, Math.round(FRAME_MS / v.dt) * v.dt),
                              chunk: CHUNK_MS });
  };

  Explorer.prototype.ensureWorker = function () {
    var self = this;
    if (this.worker) return;
    var w = (this.worker = spawn(this.model));
    w.onmessage = function (e) { if (e.data.id === self.runs) self.receive(e.data); };
    w.onerror = function (e) {
      self.root.dataset.state = "error";
      self.say("The simulation stopped: " + (e.message || "worker error") + ". Change a value to try again.", true);
      w.terminate();
      self.worker = null;
    };
  };

  Explorer.prototype.receive = function (m) {
    var d = this.data;
    if (m.type === "chunk") {
      for (var i = 0; i < m.times.length; i++) { d.times.push(m.times[i]); d.cells.push(m.cells[i]); }
      for (var r = 0; r < 2; r++) for (var j = 0; j < m.V[r].length; j++) d.V[r].push(m.V[r][j]);
      var t0 = d.t;
      d.t = m.t1;
      this.drawChunk(t0, m);
      if (d.firstDrawn === null) {
        d.firstDrawn = performance.now() - d.started;
        this.root.dataset.firstFrameMs = d.firstDrawn.toFixed(1);
        // since the page's navigation started (performance's time origin)
        if (this.runs === 1) this.root.dataset.firstFrameAt = performance.now().toFixed(1);
      }
      this.readout.textContent = "running… t = " + Math.round(m.t1) + " of " + d.v.duration + " ms";
    } else if (m.type === "done") {
      var wall = performance.now() - d.started;
      if (this.runs === 1) {
        this.root.dataset.firstResultAt = performance.now().toFixed(1);
        this.root.dataset.workerBeganAt = (m.began - performance.timeOrigin).toFixed(1);
        this.root.dataset.workerEndedAt = (m.ended - performance.timeOrigin).toFixed(1);
        // the book loads MathJax after this (book/_static/mathjax-lazy.js)
        window.dispatchEvent(new Event("wb-first-result"));
      }
      this.root.dataset.workerMs = m.elapsed.toFixed(1);
      // once more from the whole run: what stays on screen is the run's alone, however its
      // chunks happened to be drawn (a storm of moves, a busy page)
      this.redraw();
      this.root.dataset.state = "done";
      this.root.dataset.kappa = m.kappa === null ? "" : m.kappa;
      this.root.dataset.frequency = m.frequency === null ? "" : m.frequency;
      this.root.dataset.runMs = wall.toFixed(1);
      this.root.dataset.nsPerCellStep = ((m.elapsed * 1e6) / m.cellSteps).toFixed(1);
      var quiet = m.kappa === null;
      this.readout.innerHTML = "";
      var line = el("span", { class: "wb-result" }, this.readout);
      line.textContent = quiet
        ? "No cell fired after the transient: κ and the frequency are undefined (mean rate 0 Hz)."
        : "κ = " + fmt(m.kappa, 3) + "   network frequency = " + fmt(m.frequency, 1) +
          " Hz   mean rate = " + fmt(m.rate, 1) + " Hz";
      el("small", { class: "wb-timing" }, this.readout,
         "  (" + m.spikes + " spikes; " + (m.elapsed / 1000).toFixed(2) + " s in your browser, " +
         fmt((m.elapsed * 1e6) / m.cellSteps, 0) + " ns per cell-step; measured after " +
         (d.v.duration >= 400 ? 200 : d.v.duration / 2) + " ms)");
    } else if (m.type === "error") {
      this.root.dataset.state = "error";
      this.readout.textContent = "";
      this.say("This run failed: " + m.message, true);
    }
  };

  // -- drawing --------------------------------------------------------------------------------
  Explorer.prototype.resize = function () {
    var c = this.canvas, w = Math.max(260, c.parentNode.clientWidth || 600), dpr = window.devicePixelRatio || 1;
    var h = this.config.height || 380;
    if (c.width === Math.round(w * dpr) && c.height === Math.round(h * dpr)) return;
    c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    c.style.width = w + "px"; c.style.height = h + "px";
    this.redraw();
  };

  Explorer.prototype.layout = function () {
    var dpr = window.devicePixelRatio || 1, W = this.canvas.width / dpr, H = this.canvas.height / dpr;
    var L = 46, R = 8, top = 6, bottom = 22, gap = 10, inner = H - top - bottom - 2 * gap;
    var hr = inner * 0.56, hp = inner * 0.16, hv = inner - hr - hp;
    return { W: W, H: H, L: L, R: R, raster: [top, hr], rate: [top + hr + gap, hp],
             volt: [top + hr + hp + 2 * gap, hv], plotW: W - L - R, dpr: dpr };
  };

  // The labels' ink: dark on the book's light page, light in its dark mode (the plots' own
  // panels stay light in both, as the book's figures do).
  function ink() { return document.documentElement.dataset.theme === "dark" ? "#c5d1de" : "#333"; }

  Explorer.prototype.x = function (g, t) { return g.L + (t / this.data.v.duration) * g.plotW; };

  Explorer.prototype.clear = function () {
    var c = this.canvas.getContext("2d"), g = this.layout(), v = this.data.v;
    c.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
    c.clearRect(0, 0, g.W, g.H);
    c.fillStyle = "#fafafa";
    [g.raster, g.rate, g.volt].forEach(function (p) { c.fillRect(g.L, p[0], g.plotW, p[1]); });
    c.fillStyle = ink(); c.font = "11px sans-serif"; c.textAlign = "right"; c.textBaseline = "middle";
    c.fillText("cell", g.L - 6, g.raster[0] + 8);
    c.fillText(String(v.n_cells), g.L - 6, g.raster[0] + 20);
    c.fillText("0", g.L - 6, g.raster[0] + g.raster[1] - 4);
    c.fillText("rate", g.L - 6, g.rate[0] + g.rate[1] / 2);
    c.fillText("+40", g.L - 6, this.vy(g, 40)); c.fillText("−80", g.L - 6, this.vy(g, -80));
    c.fillText("V mV", g.L - 6, g.volt[0] + g.volt[1] / 2);
    // time axis
    var T = v.duration, step = [50, 100, 200, 250, 500, 1000, 2000].find(function (s) { return T / s <= 10; }) || 1000;
    c.textAlign = "center"; c.textBaseline = "top"; c.strokeStyle = "#ccc";
    for (var t = 0; t <= T + 1e-9; t += step) {
      var x = this.x(g, t);
      c.fillText(String(t), x, g.H - 18);
      c.beginPath(); c.moveTo(x, g.volt[0] + g.volt[1]); c.lineTo(x, g.volt[0] + g.volt[1] + 3); c.stroke();
    }
    c.textAlign = "right"; c.fillText("t (ms)", g.L - 6, g.H - 18);
  };

  Explorer.prototype.vy = function (g, V) {
    var lo = -95, hi = 55;
    return g.volt[0] + g.volt[1] * (1 - (Math.max(lo, Math.min(hi, V)) - lo) / (hi - lo));
  };

  Explorer.prototype.drawChunk = function (t0, m) {
    var c = this.canvas.getContext("2d"), g = this.layout(), d = this.data, N = d.v.n_cells;
    c.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
    var h = Math.max(1, g.raster[1] / N);
    c.fillStyle = "#1f3b73";
    for (var i = 0; i < m.times.length; i++) {
      c.fillRect(this.x(g, m.times[i]) - 0.6, g.raster[0] + g.raster[1] * (1 - (m.cells[i] + 1) / N), 1.4, h);
    }
    this.drawRate(c, g);
    this.drawV(c, g, t0, m);
  };

  Explorer.prototype.drawRate = function (c, g) {
    var d = this.data, nb = Math.ceil(d.t), counts = new Float64Array(nb), N = d.v.n_cells;
    for (var i = 0; i < d.times.length; i++) counts[Math.min(nb - 1, Math.floor(d.times[i] - 1e-9))]++;
    var max = d.rateMax;
    for (var k = 0; k < nb; k++) max = Math.max(max, (counts[k] / N) * 1000);
    d.rateMax = max;
    c.fillStyle = "#fafafa"; c.fillRect(g.L, g.rate[0], g.plotW, g.rate[1]);
    c.fillStyle = "#c0392b";
    var bw = Math.max(1, g.plotW / d.v.duration);
    for (k = 0; k < nb; k++) {
      if (!counts[k]) continue;
      var hh = (((counts[k] / N) * 1000) / max) * g.rate[1];
      c.fillRect(this.x(g, k), g.rate[0] + g.rate[1] - hh, bw, hh);
    }
    c.fillStyle = "#333"; c.font = "10px sans-serif"; c.textAlign = "left"; c.textBaseline = "top";
    c.fillText(Math.round(max) + " Hz", g.L + 3, g.rate[0] + 1);
  };

  Explorer.prototype.drawV = function (c, g, t0, m) {
    var d = this.data, frame = Math.max(d.v.dt, Math.round(FRAME_MS / d.v.dt) * d.v.dt);
    var colours = ["#2c7fb8", "#e6550d"];
    for (var r = 0; r < 2; r++) {
      var arr = d.V[r], n = m.V[r].length, first = arr.length - n;
      if (!n) continue;
      c.strokeStyle = colours[r]; c.lineWidth = 1; c.beginPath();
      var k0 = Math.max(0, first - 1);
      c.moveTo(this.x(g, (k0 + 1) * frame), this.vy(g, arr[k0]));
      var stride = Math.max(1, Math.floor(n / (g.plotW * 2)));
      for (var k = k0 + 1; k < arr.length; k += stride) c.lineTo(this.x(g, (k + 1) * frame), this.vy(g, arr[k]));
      c.stroke();
    }
  };

  Explorer.prototype.redraw = function () {
    if (!this.data) return;
    this.clear();
    var d = this.data;
    this.drawChunk(0, { times: d.times, cells: d.cells, V: d.V });
  };

  window.WBLive = {
    mount: function (root, config, model) {
      if (root.wbLive) return root.wbLive;
      root.wbLive = new Explorer(root, config, model);
      return root.wbLive;
    },
  };
})();
