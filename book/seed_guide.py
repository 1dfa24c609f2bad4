"""The brainpy.state guide's Wang–Buzsáki network, exactly as the guide writes it.

This code is not wbmodel's model. It is copied, unchanged in its equations and in its
departures from the paper, from the brainpy.state documentation's guide "How to reproduce a
paper: gamma oscillation" (the guide this project grew from; the BrainPy authors' work, under
its own terms). The book's page "From the guide to the paper" runs it beside wbmodel and
measures each departure: weights g_syn/N, units per cell instead of per cm², V0 ~ N(−70, 20)
mV with h = 0.6 and n = 0.3, a spike threshold of 20 mV, and rate functions written with
``exp`` that are 0/0 at V = −35 and −34 mV. The benchmarks time it too.

Only :func:`run_as_written` and :func:`make_runner` are added here: both run the guide's own
loop (its ``for_loop`` over ``times``, calling ``net.update(t, 1.0 * u.uA)``), the first as
the guide's script does once (a fresh network, no ``jit``), the second compiled once with
``brainstate.transform.jit`` and re-used, for a given seed of brainstate's global generator.
"""

import brainpy
import brainstate
import braintools
import brainunit as u


class WBNeuron(brainpy.state.Neuron):
    def __init__(self, in_size, ENa=55. * u.mV, EK=-90. * u.mV, EL=-65. * u.mV,
                 C=1.0 * u.uF, gNa=35. * u.msiemens, gK=9. * u.msiemens,
                 gL=0.1 * u.msiemens, V_th=20. * u.mV, phi=5.0):
        super().__init__(in_size)
        self.ENa, self.EK, self.EL, self.C = ENa, EK, EL, C
        self.gNa, self.gK, self.gL = gNa, gK, gL
        self.V_th, self.phi = V_th, phi

    def init_state(self, *args, **kwargs):
        self.V = brainstate.HiddenState(
            -70. * u.mV + brainstate.random.randn(*self.varshape) * 20. * u.mV)
        self.h = brainstate.HiddenState(
            braintools.init.param(braintools.init.Constant(0.6), self.varshape))
        self.n = brainstate.HiddenState(
            braintools.init.param(braintools.init.Constant(0.3), self.varshape))
        self.spike = brainstate.HiddenState(
            braintools.init.param(lambda s: u.math.zeros(s, dtype=bool), self.varshape))

    def dh(self, h, t, V):
        alpha = 0.07 * u.math.exp(-(V / u.mV + 58) / 20)
        beta = 1 / (u.math.exp(-0.1 * (V / u.mV + 28)) + 1)
        return self.phi * (alpha * (1 - h) - beta * h) / u.ms

    def dn(self, n, t, V):
        alpha = -0.01 * (V / u.mV + 34) / (u.math.exp(-0.1 * (V / u.mV + 34)) - 1)
        beta = 0.125 * u.math.exp(-(V / u.mV + 44) / 80)
        return self.phi * (alpha * (1 - n) - beta * n) / u.ms

    def dV(self, V, t, h, n, Iext):
        m_alpha = -0.1 * (V / u.mV + 35) / (u.math.exp(-0.1 * (V / u.mV + 35)) - 1)
        m_beta = 4 * u.math.exp(-(V / u.mV + 60) / 18)
        m = m_alpha / (m_alpha + m_beta)
        INa = self.gNa * m ** 3 * h * (V - self.ENa)
        IK = self.gK * n ** 4 * (V - self.EK)
        IL = self.gL * (V - self.EL)
        return (-INa - IK - IL + self.sum_current_inputs(Iext, V)) / self.C

    def update(self, x=0. * u.uA):
        t = brainstate.environ.get('t')
        V = brainstate.nn.exp_euler_step(self.dV, self.V.value, t, self.h.value, self.n.value, x)
        h = brainstate.nn.exp_euler_step(self.dh, self.h.value, t, V)
        n = brainstate.nn.exp_euler_step(self.dn, self.n.value, t, V)
        self.spike.value = u.math.logical_and(self.V.value < self.V_th, V >= self.V_th)
        self.V.value, self.h.value, self.n.value = V, h, n
        return self.V.value


class GABASyn(brainpy.state.Synapse):
    def __init__(self, in_size, alpha=12. / u.ms, beta=0.1 / u.ms):
        super().__init__(in_size=in_size)
        self.alpha, self.beta = alpha, beta

    def init_state(self, *args, **kwargs):
        self.g = brainstate.HiddenState(
            braintools.init.param(braintools.init.ZeroInit(), self.varshape))

    def update(self, pre_V):
        def f_v(v):
            return 1 / (1 + u.math.exp(-v / u.mV / 2))

        def ds(s):
            return self.alpha * f_v(pre_V) * (1 - s) - self.beta * s

        self.g.value = brainstate.nn.exp_euler_step(ds, self.g.value)
        return self.g.value


class GammaNet(brainstate.nn.Module):
    def __init__(self, num=100):
        super().__init__()
        self.neu = WBNeuron(num)
        self.syn = GABASyn(num)
        self.proj = brainpy.state.CurrentProj(
            self.syn.prefetch('g'),
            comm=brainstate.nn.AllToAll(
                self.neu.varshape, self.neu.varshape,
                include_self=False, w_init=0.1 * u.msiemens / num),
            out=brainpy.state.COBA(E=-75. * u.mV),
            post=self.neu)

    def update(self, t, drive):
        with brainstate.environ.context(t=t):
            self.proj()
            self.syn(self.neu(drive))
        return self.neu.spike.value, self.neu.V.value[:5]


def run_as_written(seed, duration=500.0, dt=0.01, num=100, n_steps=None):
    """The guide's script for one seed: a fresh network, its state, its loop (no jit).

    ``brainstate.random.seed(seed)`` first, then as the guide: ``GammaNet()``,
    ``init_all_states``, ``for_loop`` over ``times`` (only the first ``n_steps`` of them,
    if given; the loop's body is the same). Returns the network (in its final state), the
    spikes (bool, (steps, num): 20 mV crossings) and the first five cells' V (mV, (steps, 5)).
    """
    brainstate.random.seed(seed)
    net = GammaNet(num)
    brainstate.nn.init_all_states(net)
    with brainstate.environ.context(dt=dt * u.ms):
        times = u.math.arange(0. * u.ms, duration * u.ms, brainstate.environ.get_dt())
        if n_steps is not None:
            times = times[:n_steps]
        spikes, vs = brainstate.transform.for_loop(
            lambda t: net.update(t, 1.0 * u.uA), times)
    return net, spikes, vs


def make_runner(num=100, duration=500.0, dt=0.01, jit=True, compiler_options=None):
    """A function ``run(seed=None)`` that runs the guide's network for ``duration`` ms.

    Each call draws a fresh network's initial V from brainstate's global generator (seeded
    with ``seed`` first, if given), as the guide's ``init_all_states`` does, and returns what
    the guide's loop returns: the spikes (bool, (steps, num): 20 mV crossings) and the first
    five cells' V (mV, (steps, 5)). ``compiler_options`` (with ``jit``) are XLA options for
    the compiled run, e.g. wbmodel's :data:`~wbmodel.engine.CPU_COMPILER_OPTIONS`.
    """
    net = GammaNet(num)
    brainstate.nn.init_all_states(net)

    def run():
        with brainstate.environ.context(dt=dt * u.ms):
            times = u.math.arange(0. * u.ms, duration * u.ms, brainstate.environ.get_dt())
            spikes, vs = brainstate.transform.for_loop(
                lambda t: net.update(t, 1.0 * u.uA), times)
        return spikes, vs

    if jit:
        run = brainstate.transform.jit(run, compiler_options=compiler_options)

    def reset_and_run(seed=None):
        if seed is not None:
            brainstate.random.seed(seed)
        brainstate.nn.init_all_states(net)
        return run()

    reset_and_run.net = net
    return reset_and_run
