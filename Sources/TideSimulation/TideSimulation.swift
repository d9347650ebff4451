/// Trace readers, the discrete-event simulator and its report: see SimulationEngine.
