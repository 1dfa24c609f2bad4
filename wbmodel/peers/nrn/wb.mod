: The Wang-Buzsaki (1996) interneuron for NEURON, written from the paper's equations
: (shared/PAPER.md), per unit membrane area, for wbmodel's cross-simulator check
: (wbmodel.peers.neuron). m is instantaneous; h and n have the temperature factor phi.
: The drive I_app is a density current here (mA/cm2), so every parameter keeps the paper's
: per-area units. vtrap() makes the 0/0 of alpha_m and alpha_n at -35 and -34 mV exact.

NEURON {
    SUFFIX wb
    NONSPECIFIC_CURRENT ina, ik, il, iapp
    RANGE gnabar, gkbar, gl, ena, ek, el, phi, Iapp
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gnabar = 0.035 (S/cm2)
    gkbar = 0.009 (S/cm2)
    gl = 0.0001 (S/cm2)
    ena = 55 (mV)
    ek = -90 (mV)
    el = -65 (mV)
    phi = 5
    Iapp = 0.001 (mA/cm2)    : 1 uA/cm2
}

ASSIGNED {
    v (mV)
    ina (mA/cm2)
    ik (mA/cm2)
    il (mA/cm2)
    iapp (mA/cm2)
    minf
}

STATE { h n }

INITIAL {
    h = ah(v) / (ah(v) + bh(v))
    n = an(v) / (an(v) + bn(v))
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    minf = am(v) / (am(v) + bm(v))
    ina = gnabar * minf * minf * minf * h * (v - ena)
    ik = gkbar * n * n * n * n * (v - ek)
    il = gl * (v - el)
    iapp = -Iapp
}

DERIVATIVE states {
    h' = phi * (ah(v) * (1 - h) - bh(v) * h)
    n' = phi * (an(v) * (1 - n) - bn(v) * n)
}

FUNCTION vtrap(x, y) {
    : x / (exp(x/y) - 1), exact at x = 0
    if (fabs(x / y) < 1e-6) {
        vtrap = y * (1 - x / y / 2)
    } else {
        vtrap = x / (exp(x / y) - 1)
    }
}

FUNCTION am(v (mV)) { am = 0.1 * vtrap(-(v + 35), 10) }
FUNCTION bm(v (mV)) { bm = 4 * exp(-(v + 60) / 18) }
FUNCTION ah(v (mV)) { ah = 0.07 * exp(-(v + 58) / 20) }
FUNCTION bh(v (mV)) { bh = 1 / (1 + exp(-0.1 * (v + 28))) }
FUNCTION an(v (mV)) { an = 0.01 * vtrap(-(v + 34), 10) }
FUNCTION bn(v (mV)) { bn = 0.125 * exp(-(v + 44) / 80) }
