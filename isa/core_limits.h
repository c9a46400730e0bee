// On-chip memory limits of one NeuronCore, as the validator, allocator and functional plane see
// them. Filled from the "memory" section of a hardware config (sim/configs/*.json).
#pragma once

#include <cstdint>

namespace trnsim::isa {

struct CoreLimits {
  int64_t partitions = 128;
  int64_t sbuf_partition_bytes = 0;  // bytes of SBUF per partition
  int64_t psum_partition_bytes = 0;  // bytes of PSUM per partition
  int64_t psum_bank_bytes = 0;       // one PSUM bank per partition; a matmul result fits one bank
  int64_t matmul_max_moving_free = 512;
  int64_t matmul_max_stationary_free = 128;
  int64_t hbm_bytes = 0;  // device HBM capacity; bounds every HBM tensor (0 = unchecked)
  int64_t dma_queues = 0;  // DMA queues of the core (dma.queues); bounds a fixed DMA queue
                           // in every mode, not only the timing plane's (0 = unchecked)
};

}  // namespace trnsim::isa
