"""Tensor add over an SPMD grid: each program instance adds one [128, 512] block."""
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def tensor_add(a_input, b_input):
    out = nl.ndarray(a_input.shape, dtype=a_input.dtype, buffer=nl.shared_hbm)
    row = nl.program_id(0) * 128
    col = nl.program_id(1) * 512
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(512)[None, :]
    a_tile = nl.load(a_input[row + i_p, col + i_f])
    b_tile = nl.load(b_input[row + i_p, col + i_f])
    c_tile = a_tile + b_tile
    nl.store(out[row + i_p, col + i_f], value=c_tile)
    return out
