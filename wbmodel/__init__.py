"""wbmodel — Wang & Buzsáki (1996) gamma oscillation by synaptic inhibition, on brainpy.state.

The model (:class:`WBParams`, :class:`WangBuzsakiCell`, :class:`WangBuzsakiSynapse`,
:class:`WBNetwork`), its simulation (:func:`simulate`, :func:`sweep`), the measures of the
paper (:func:`coherence`, :func:`network_frequency`, :func:`fi_curve`, …), and the plots and
tables the book uses.
"""

from . import persistence, plotting, theory
from .analysis import (
    coherence,
    coherence_over_time,
    firing_rates,
    isi_cv,
    mean_rate,
    network_frequency,
    population_activity,
)
from .cell import WangBuzsakiCell
from .network import EventInputs, SparseInputs, WBNetwork
from .params import WBParams
from .report import Claim, claims_table
from .simulation import DEFAULT_DT, SimulationDiverged, SimulationResult, simulate
from .single_cell import ahp_trough, fi_curve, rheobase, run_cells
from .sweeps import sweep
from .synapse import WangBuzsakiSynapse
from .wiring import bernoulli_indices, fixed_in_degree_indices, wiring_indices

__version__ = "0.2.0"

__all__ = [
    # the model
    "WBParams", "WangBuzsakiCell", "WangBuzsakiSynapse", "WBNetwork", "SparseInputs", "EventInputs",
    "fixed_in_degree_indices", "bernoulli_indices", "wiring_indices",
    # running it
    "simulate", "sweep", "SimulationResult", "SimulationDiverged", "DEFAULT_DT",
    # measuring it
    "coherence", "coherence_over_time", "network_frequency", "population_activity",
    "firing_rates", "mean_rate", "isi_cv", "fi_curve", "rheobase", "ahp_trough", "run_cells",
    # showing it
    "plotting", "persistence", "Claim", "claims_table",
    # why it synchronises
    "theory",
]
