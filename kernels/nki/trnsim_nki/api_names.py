"""The documented names of nki.language and nki.isa in the two NKI API generations, as the NKI
API reference index pages list them:
  - "old": SDK 2.21-2.26 (`neuronxcc.nki`), the nki.language / nki.isa index pages of 2.26;
  - "new": SDK 2.27+ (`nki`), the index pages of 2.28/2.29.
Enum classes are listed by their own name (`engine`, `reduce_cmd`, ...). The coverage table
(trnsim_nki.coverage) reports each of these names.
"""

_LANG_COMMON = """
ndarray zeros ones full zeros_like empty_like shared_identity_matrix rand random_seed
load load_transpose2d store copy matmul transpose
abs add arctan ceil cos exp floor log maximum minimum multiply negative power reciprocal rsqrt
sign sin sqrt square subtract tan tanh trunc
relu sigmoid silu silu_dx gelu gelu_dx gelu_apprx_sigmoid gelu_apprx_tanh mish softplus
softmax erf erf_dx dropout rms_norm
all max mean min prod sum var
equal not_equal less less_equal greater greater_equal
logical_and logical_or logical_xor logical_not
bitwise_and bitwise_or bitwise_xor invert left_shift right_shift
ds where gather_flattened
affine_range sequential_range static_range
psum sbuf hbm private_hbm shared_hbm
device_print program_id num_programs program_ndim
bool_ int8 int16 int32 uint8 uint16 uint32 float16 float32 bfloat16 tfloat32 float8_e4m3
float8_e5m2 tile_size
"""

LANGUAGE = {
    "old": _LANG_COMMON + """
divide atomic_rmw shared_constant expand_dims arange mgrid all_reduce par_dim spmd_dim nc
loop_reduce full_like ones_like broadcast_to
""",
    "new": _LANG_COMMON + """
gelu_apprx_sigmoid_dx broadcast_to expand_dims dynamic_range is_psum is_sbuf is_hbm is_on_chip
no_reorder float8_e4m3fn float8_e5m2_x4 float8_e4m3fn_x4 float4_e2m1fn_x4
""",
}

_ISA_COMMON = """
nc_matmul nc_transpose activation activation_reduce tensor_reduce tensor_partition_reduce
tensor_tensor tensor_tensor_scan scalar_tensor_tensor tensor_scalar tensor_scalar_reduce
tensor_copy tensor_copy_predicated reciprocal iota dropout affine_select range_select
select_reduce sequence_bounds memset bn_stats bn_aggr local_gather dma_copy dma_transpose max8
nc_find_index8 nc_match_replace8 nc_stream_shuffle engine reduce_cmd dge_mode nc_version
get_nc_version
"""

ISA = {
    "old": _ISA_COMMON + """
tensor_copy_dynamic_src tensor_copy_dynamic_dst tensor_engine vector_engine scalar_engine
gpsimd_engine dma_engine unknown_engine
""",
    "new": _ISA_COMMON + """
nc_matmul_mx tensor_scalar_cumulative exponential quantize_mx nc_n_gather dma_compute
register_alloc register_load register_move register_store core_barrier sendrecv rng rand2
rand_set_state rand_get_state set_rng_seed nonzero_with_count oob_mode matmul_perf_mode
dma_engine
""",
}


def names(module, generation):
    """Sorted unique documented names of `module` ("language" or "isa") in `generation`."""
    table = {"language": LANGUAGE, "isa": ISA}[module]
    return sorted(set(table[generation].split()))
