// The tests reach `unusedPort()` through this module, as before it moved to a product the benchmarks share.
@_exported import TidePorts
