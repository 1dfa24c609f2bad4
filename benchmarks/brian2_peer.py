"""The Wang–Buzsáki network in Brian2 (runtime and C++ standalone): a benchmark peer.

The paper's equations, all-to-all without self-connections, each synapse g_syn/(N−1);
the synaptic gate s is a variable of the presynaptic cell, as in wbmodel. Brian2 chooses
no scheme by itself here. For speed the network is integrated with its ``exponential_euler``,
which needs m∞(V) held ``constant over dt`` (a frozen-conductance step, like brainpy's
built-in cell); for the cross-simulator table (:func:`network`) with classical RK4, whose
error at dt = 0.01 ms is far below the differences being measured.
"""

import tempfile
import time

import numpy as np

EQS = """
dv/dt = (-gNa*m**3*h*(v-ENa) - gK*n**4*(v-EK) - gL*(v-EL) - Isyn + Iapp)/Cm : volt
m = alpha_m/(alpha_m + beta_m) : 1 {m_flags}
alpha_m = 0.1/mV*(v + 35*mV)/(1 - exp(-0.1/mV*(v + 35*mV)))/ms : Hz
beta_m = 4*exp(-(v + 60*mV)/(18*mV))/ms : Hz
dh/dt = phi*(alpha_h*(1 - h) - beta_h*h) : 1
alpha_h = 0.07*exp(-(v + 58*mV)/(20*mV))/ms : Hz
beta_h = 1/(exp(-0.1/mV*(v + 28*mV)) + 1)/ms : Hz
dn/dt = phi*(alpha_n*(1 - n) - beta_n*n) : 1
alpha_n = 0.01/mV*(v + 34*mV)/(1 - exp(-0.1/mV*(v + 34*mV)))/ms : Hz
beta_n = 0.125*exp(-(v + 44*mV)/(80*mV))/ms : Hz
ds/dt = alpha_syn*F*(1 - s) - beta_syn*s : 1
F = 1/(1 + exp(-v/(2*mV))) : 1
Isyn : amp/meter**2
"""


def build(N=100, duration_ms=500.0, dt_ms=0.01, seed=0, phi=5.0, I_app=1.0, V0=None,
          I_cells=None, method="exponential_euler"):
    """Build the network in the current Brian2 device; return (net, spike monitor).

    ``V0`` and ``I_cells`` (mV, µA/cm², one per cell) default to a uniform start drawn
    from ``seed`` and the same drive ``I_app`` for every cell.
    """
    import brian2 as b2
    from brian2 import NeuronGroup, SpikeMonitor, Synapses, ms, mV

    b2.defaultclock.dt = dt_ms * ms
    ns = dict(Cm=1 * b2.ufarad / b2.cm**2, gNa=35 * b2.msiemens / b2.cm**2,
              gK=9 * b2.msiemens / b2.cm**2, gL=0.1 * b2.msiemens / b2.cm**2,
              ENa=55 * mV, EK=-90 * mV, EL=-65 * mV, Esyn=-75 * mV, phi=phi,
              alpha_syn=12 / ms, beta_syn=0.1 / ms,
              gsyn=0.1 * b2.msiemens / b2.cm**2, n_cells=N)
    eqs = EQS.format(m_flags="(constant over dt)" if method == "exponential_euler" else "")
    eqs += "Iapp : amp/meter**2 (constant)\n"
    # Fixed names: a rebuilt network generates the same code, so Brian2's Cython cache
    # serves every run after the first (new default names would recompile each time).
    G = NeuronGroup(N, eqs, threshold="v > 0*mV", refractory="v > 0*mV",
                    method=method, namespace=ns, name="wb_cells")
    if V0 is None:
        V0 = np.random.default_rng(seed).uniform(-70, -50, N)
    V0 = np.asarray(V0, dtype=float)
    G.Iapp = (np.full(N, I_app) if I_cells is None else np.asarray(I_cells)) * b2.uamp / b2.cm**2
    G.v = V0 * mV
    am = 0.07 * np.exp(-(V0 + 58) / 20)
    bm = 1 / (np.exp(-0.1 * (V0 + 28)) + 1)
    an = 0.01 * (V0 + 34) / (1 - np.exp(-0.1 * (V0 + 34)))
    bn = 0.125 * np.exp(-(V0 + 44) / 80)
    G.h = am / (am + bm)
    G.n = an / (an + bn)
    S = Synapses(G, G, "Isyn_post = gsyn/(n_cells - 1)*s_pre*(v_post - Esyn)"
                       " : amp/meter**2 (summed)", namespace=ns, name="wb_synapses")
    S.connect(condition="i != j")
    mon = SpikeMonitor(G, name="wb_spikes")
    net = b2.Network(G, S, mon)
    return net, mon


def network(fig_phi, fig_I, V0, I_cells, duration_ms=1000.0, dt_ms=0.01):
    """One network of the cross-simulator table (runtime mode, RK4): spike times and cells."""
    import brian2 as b2

    b2.set_device("runtime")
    b2.prefs.codegen.target = "cython"
    b2.start_scope()
    net, mon = build(len(V0), duration_ms, dt_ms, phi=fig_phi, I_app=fig_I, V0=V0,
                     I_cells=I_cells, method="rk4")
    net.run(duration_ms * b2.ms)
    return np.asarray(mon.t / b2.ms), np.asarray(mon.i)


def run_runtime(N=100, duration_ms=500.0, dt_ms=0.01, repeats=3):
    """Brian2's runtime (Cython) mode: wall time of each run (first one includes codegen)."""
    import brian2 as b2

    b2.set_device("runtime")
    b2.prefs.codegen.target = "cython"
    times, result = [], None
    for _ in range(repeats):
        b2.start_scope()
        net, mon = build(N, duration_ms, dt_ms)
        t0 = time.perf_counter()
        net.run(duration_ms * b2.ms)
        times.append(time.perf_counter() - t0)
        result = (np.asarray(mon.t / b2.ms), np.asarray(mon.i))
    return times, result


def run_standalone(N=100, duration_ms=500.0, dt_ms=0.01, repeats=3):
    """C++ standalone: (compile seconds, wall time of each run of the binary, spikes)."""
    import brian2 as b2

    directory = tempfile.mkdtemp(prefix="wb_brian2_")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    net, mon = build(N, duration_ms, dt_ms)
    net.run(duration_ms * b2.ms)
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False)
    compile_s = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        b2.device.run(directory=directory, with_output=False)
        times.append(time.perf_counter() - t0)
    result = (np.asarray(mon.t / b2.ms), np.asarray(mon.i))
    b2.device.reinit()
    b2.device.activate()
    b2.set_device("runtime")
    return compile_s, times, result
