: The GABA_A synapse of Wang & Buzsaki (1996) for NEURON: graded, gated by the presynaptic
: potential read continuously through a POINTER (as in ModelDB 26997), no spike events, no
: delay. ds/dt = alpha F(V_pre) (1 - s) - beta s, F(V) = 1/(1 + exp(-(V - theta)/2)),
: i = g s (v - e) with g the conductance of this one synapse.

NEURON {
    POINT_PROCESS WBSyn
    POINTER vpre
    RANGE g, e, alpha, beta, theta, i
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    g = 0 (uS)
    e = -75 (mV)
    alpha = 12 (/ms)
    beta = 0.1 (/ms)
    theta = 0 (mV)
}

ASSIGNED {
    v (mV)
    vpre (mV)
    i (nA)
}

STATE { s }

INITIAL { s = 0 }

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = g * s * (v - e)
}

DERIVATIVE states {
    s' = alpha * (1 / (1 + exp(-(vpre - theta) / 2))) * (1 - s) - beta * s
}
