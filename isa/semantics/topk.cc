// Semantics of the top-8 helpers of the vector engine (NKI nki.isa.max8, nc_find_index8,
// nc_match_replace8): the building blocks of top-k (max8, then find_index8 for the positions,
// then match_replace8 to knock the found values out before the next max8). Values compare as
// fp32 (each operand decoded from its dtype); positions are C-order free indices of the src view.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "isa/error.h"
#include "isa/semantics/semantics.h"
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::sem_error;
using sem_util::view_of;

constexpr int kTopK = 8;

void check_rows(const Instruction& ins, const View& v, const char* role, int64_t partitions,
                int64_t elems) {
  if (v.partitions() != partitions || v.free_elements() != elems)
    throw sem_error(ins, std::string(role) + " must be [" + std::to_string(partitions) + ", " +
                             std::to_string(elems) + "]");
}

// A strict weak order (also with NaN, which sorts above every number), largest first.
bool descending_nan_first(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && !std::isnan(b);
  return a > b;
}

}  // namespace

// Ties keep every copy: [5, 5, 3, ...] gives 5, 5, 3, .... Fewer than 8
// elements (below the documented minimum of 8) pad with -inf. NaN ranks above every number
// (APPROX: the device NaN ordering is not documented).
void max8(const Instruction& ins, MachineState& st) {
  const View& src_view = view_of(ins, "src");
  const View& dst_view = view_of(ins, "dst");
  check_rows(ins, dst_view, "dst", src_view.partitions(), kTopK);
  const Matrix src = st.read(src_view);
  Matrix out = Matrix::Constant(src.rows(), kTopK, -std::numeric_limits<float>::infinity());
  std::vector<float> row(src.cols());
  for (int64_t p = 0; p < src.rows(); ++p) {
    for (int64_t f = 0; f < src.cols(); ++f) row[f] = src(p, f);
    const int64_t k = std::min<int64_t>(kTopK, row.size());
    std::partial_sort(row.begin(), row.begin() + k, row.end(), descending_nan_first);
    for (int64_t i = 0; i < k; ++i) out(p, i) = row[i];
  }
  st.write(dst_view, out);
}

// dst[p, k] = index of the first element of src[p] equal to vals[p, k] that no
// earlier column k' < k has claimed: distinct vals get their first occurrence;
// a value repeated in vals gets its successive occurrences in ascending order
// (NKI SDK 2.32 docs of nc_match_replace8, which contrast the two
// instructions). A value with no (unclaimed) occurrence gets the all-ones
// sentinel (0xFFFFFFFF for uint32, 0xFFFF for uint16: the write saturates), as
// documented for nc_find_index8 in NKI SDK 2.32.
void nc_find_index8(const Instruction& ins, MachineState& st) {
  const View& src_view = view_of(ins, "src");
  const View& dst_view = view_of(ins, "dst");
  const View& vals_view = view_of(ins, "vals");
  check_rows(ins, dst_view, "dst", src_view.partitions(), kTopK);
  check_rows(ins, vals_view, "vals", src_view.partitions(), kTopK);
  const Matrix src = st.read(src_view);
  const Matrix vals = st.read(vals_view);
  constexpr float kNotFound = 4294967295.0f;  // saturates to all ones in any unsigned dtype
  Matrix out = Matrix::Constant(src.rows(), kTopK, kNotFound);
  std::vector<bool> claimed(src.cols());
  for (int64_t p = 0; p < src.rows(); ++p) {
    std::fill(claimed.begin(), claimed.end(), false);
    for (int k = 0; k < kTopK; ++k) {
      for (int64_t f = 0; f < src.cols(); ++f) {
        if (!claimed[f] && src(p, f) == vals(p, k)) {
          out(p, k) = static_cast<float>(f);
          claimed[f] = true;
          break;
        }
      }
    }
  }
  st.write(dst_view, out);
}

// dst = src, except that for each vals[p, k], the first element of src[p] equal
// to it and not already replaced becomes imm_value. So a value repeated in vals
// replaces that many copies, which is what top-k needs after a max8 with ties
// (NKI SDK 2.32 docs). Values not present replace nothing. The optional dst_idx
// output of NKI is not modelled (use nc_find_index8).
void nc_match_replace8(const Instruction& ins, MachineState& st) {
  const View& src_view = view_of(ins, "src");
  const View& dst_view = view_of(ins, "dst");
  const View& vals_view = view_of(ins, "vals");
  check_rows(ins, dst_view, "dst", src_view.partitions(), src_view.free_elements());
  check_rows(ins, vals_view, "vals", src_view.partitions(), kTopK);
  const float imm = static_cast<float>(ins.attr("imm_value").num);
  Matrix out = st.read(src_view);
  const Matrix vals = st.read(vals_view);
  std::vector<bool> replaced(out.cols());
  for (int64_t p = 0; p < out.rows(); ++p) {
    std::fill(replaced.begin(), replaced.end(), false);
    for (int k = 0; k < kTopK; ++k) {
      for (int64_t f = 0; f < out.cols(); ++f) {
        if (!replaced[f] && out(p, f) == vals(p, k)) {
          out(p, f) = imm;
          replaced[f] = true;
          break;
        }
      }
    }
  }
  st.write(dst_view, out);
}

}  // namespace trnsim::isa::sem
