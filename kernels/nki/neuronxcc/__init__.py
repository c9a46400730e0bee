"""Shim package so that `import neuronxcc.nki` resolves to trnsim_nki (no real compiler)."""
