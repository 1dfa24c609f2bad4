"""wbmodel — Wang & Buzsáki (1996) gamma oscillation by synaptic inhibition, on brainpy.state."""

from .cell import WangBuzsakiCell
from .network import (
                      SparseInputs,
                      WBNetwork,
                      bernoulli_indices,
                      fixed_in_degree_indices,
                      wiring_indices,
)
from .params import WBParams
from .simulation import DEFAULT_DT, SimulationDiverged, SimulationResult, simulate
from .synapse import WangBuzsakiSynapse

__version__ = "0.1.0"

__all__ = [
    "WBParams", "WangBuzsakiCell", "WangBuzsakiSynapse", "WBNetwork", "SparseInputs",
    "fixed_in_degree_indices", "bernoulli_indices", "wiring_indices", "simulate",
    "SimulationResult", "SimulationDiverged", "DEFAULT_DT",
]

from .analysis import (
    coherence,
    firing_rates,
    isi_cv,
    mean_rate,
    network_frequency,
    population_activity,
)

__all__ += ["coherence", "network_frequency", "population_activity", "firing_rates",
            "mean_rate", "isi_cv"]

from .single_cell import ahp_trough, fi_curve, rheobase, run_cells

__all__ += ["fi_curve", "rheobase", "ahp_trough", "run_cells"]

from . import plotting
from .analysis import coherence_over_time
from .report import Claim, claims_table

__all__ += ["plotting", "coherence_over_time", "Claim", "claims_table"]

from .sweeps import sweep

__all__ += ["sweep"]
