"""Other simulators' versions of the model, for cross-checks (not part of the model).

:mod:`wbmodel.peers.neuron` writes the cell and the graded synapse for NEURON (NMODL, CVODE).
:func:`cross_simulator_table` reads the table that ``make bench`` writes
(``wbmodel/data/cross_simulator.json``): NEURON, Brian2, brainpy.state's built-in cell and
wbmodel on the same f–I drives and the same networks.
"""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["cross_simulator_table"]


def cross_simulator_table() -> dict:
    """The latest ``make bench`` cross-simulator results, with their date and machine.

    Returns
    -------
    dict
        ``date``, ``machine``, ``fi`` (drives and, per simulator, rates in Hz and the
        rheobase), ``networks`` (per Fig. 3 set and simulator: κ, frequency and mean rate
        over three seeds) and ``settings`` (steps and tolerances).
    """
    text = resources.files("wbmodel").joinpath("data", "cross_simulator.json").read_text()
    return json.loads(text)
