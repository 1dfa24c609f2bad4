"""The brainpy.state guide's Wang–Buzsáki network, as written there (a benchmark peer).

Copied from the guide this project grew from (shared/SEED-brainpy-state-gamma-guide.txt),
unchanged in its equations and its departures from the paper (weight g_syn/N, per-cell
units, V threshold 20 mV, initial V ~ N(−70, 20) mV); only wrapped so that the loop can be
timed with and without ``brainstate.transform.jit``.
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


def make_runner(num=100, duration=500.0, dt=0.01, jit=True, compiler_options=None):
    """A function that runs the guide's network for ``duration`` ms; returns the spikes.

    ``compiler_options`` (with ``jit``) are XLA options for the compiled run, e.g.
    wbmodel's :data:`~wbmodel.simulation.CPU_COMPILER_OPTIONS`.
    """
    net = GammaNet(num)
    brainstate.nn.init_all_states(net)

    def run():
        with brainstate.environ.context(dt=dt * u.ms):
            times = u.math.arange(0. * u.ms, duration * u.ms, brainstate.environ.get_dt())
            spikes, _ = brainstate.transform.for_loop(
                lambda t: net.update(t, 1.0 * u.uA), times)
        return spikes

    if jit:
        run = brainstate.transform.jit(run, compiler_options=compiler_options)

    def reset_and_run():
        brainstate.nn.init_all_states(net)
        return run()

    return reset_and_run
