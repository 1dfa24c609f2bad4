"""The model written for NEURON (wbmodel.peers.neuron) against wbmodel and the exact solution.

NEURON's version is written from the paper's equations in NMODL and integrated by CVODE, so
agreement here checks wbmodel's cell, synapse and wiring against code that shares none of
them. Skipped where NEURON is not installed (it is pinned in requirements.txt).
"""

import brainunit as u
import numpy as np
import pytest

import wbmodel as wb
from wbmodel import reference

nrn = pytest.importorskip("wbmodel.peers.neuron")
pytest.importorskip("neuron")


def test_neuron_cell_matches_the_exact_rate():
    """CVODE at 1e-8: the f–I point at 1 and 3 µA/cm² within 1e-5 of LSODA's."""
    drives = [1.0, 3.0]
    got = nrn.steady_rates(drives, duration=1000.0, transient=300.0)
    want = [reference.steady_rate(i) for i in drives]
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_neuron_cell_is_silent_below_rheobase():
    assert nrn.steady_rates([0.1], duration=1000.0, transient=300.0) == [0.0]


def _spike_lists(times, cells, n):
    out = [[] for _ in range(n)]
    for t, c in zip(times, cells, strict=True):
        out[int(c)].append(float(t))
    return [np.sort(x) for x in out]


def test_neuron_network_spikes_where_wbmodel_does():
    """A small Fig. 3A network from the same seed: every cell's spikes within 0.05 ms.

    Same draws (drives, initial V), same all-to-all wiring without self, same graded
    synapse: the two simulators agree to the exponential-Euler step's own error, spike by
    spike, while the network synchronises (the first 150 ms).
    """
    n, duration = 12, 150.0
    got = nrn.network("A", seed=3, duration=duration, n_cells=n)
    p = wb.WBParams(n_cells=n)
    r = wb.simulate(p, duration=duration * u.ms, dt=0.01 * u.ms, seed=3)
    ours = _spike_lists(r.spike_times.to_decimal(u.ms), r.spike_neurons, n)
    theirs = _spike_lists(got["times"], got["cells"], n)
    assert sum(map(len, ours)) > 2 * n
    for i in range(n):
        # the last spike may fall either side of the end
        k = min(len(ours[i]), len(theirs[i]))
        assert abs(len(ours[i]) - len(theirs[i])) <= 1, i
        np.testing.assert_allclose(ours[i][:k], theirs[i][:k], atol=0.05, err_msg=str(i))


def test_neuron_network_feels_the_inhibition():
    """The synapses act: without them (g_syn = 0) the same cells fire differently."""
    n, duration = 12, 150.0
    coupled = nrn.network("A", seed=3, duration=duration, n_cells=n)
    alone = nrn.network("A", seed=3, duration=duration, n_cells=n, g_syn=0.0)
    assert len(alone["times"]) > len(coupled["times"])


def test_cross_simulator_table_has_every_simulator_and_network():
    from wbmodel.peers import cross_simulator_table

    t = cross_simulator_table()
    assert {"date", "machine", "versions", "settings", "fi", "networks"} <= set(t)
    assert set(t["networks"]) == set(nrn.FIG3)
    for sims in t["networks"].values():
        assert set(sims) == {"wbmodel", "NEURON", "Brian2"}
        for runs in sims.values():
            assert len(runs["kappa"]) == len(t["settings"]["seeds"])
    assert all(len(r) == len(t["fi"]["drives"]) for r in t["fi"]["rates"].values())
