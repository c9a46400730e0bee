#include "kernels/harness.h"

#include <cmath>
#include <sstream>

#include "isa/error.h"
#include "isa/semantics/semantics.h"
#include "isa/validate.h"

namespace trnsim::kernels {

isa::CoreLimits trn1_limits() {
  isa::CoreLimits l;
  l.partitions = 128;
  l.sbuf_partition_bytes = 192 * 1024;
  l.psum_partition_bytes = 16 * 1024;
  l.psum_bank_bytes = 2 * 1024;
  return l;
}

void write_inputs(isa::MachineState& st, const Tensors& inputs) {
  const isa::Program& prog = st.program();
  for (const auto& [name, m] : inputs) {
    auto ref = prog.find(name);
    if (!ref || ref->memory != isa::Memory::kHbm)
      throw Error("kernel inputs: the program has no HBM tensor '" + name + "'");
    const isa::HbmTensor& t = prog.tensors[ref->index];
    if (m.size() != t.elements())
      throw Error("kernel inputs: tensor '" + name + "' has " + std::to_string(t.elements()) +
                  " elements, given " + std::to_string(m.size()));
    std::vector<uint8_t>& image = st.hbm(ref->index);
    const int64_t esize = isa::dtype_bytes(t.dtype);
    for (int64_t i = 0; i < t.elements(); ++i)
      isa::store_element(t.dtype, float(m.data()[i]), image.data() + i * esize);
  }
}

Tensors read_outputs(const isa::MachineState& st) {
  const isa::Program& prog = st.program();
  Tensors out;
  for (size_t i = 0; i < prog.tensors.size(); ++i) {
    const isa::HbmTensor& t = prog.tensors[i];
    if (t.role != isa::TensorRole::kOutput) continue;
    const int64_t rows = t.shape.empty() ? 1 : t.shape[0];
    const int64_t cols = rows ? t.elements() / rows : 0;
    Mat m(rows, cols);
    const std::vector<uint8_t>& image = st.hbm(int(i));
    const int64_t esize = isa::dtype_bytes(t.dtype);
    for (int64_t k = 0; k < t.elements(); ++k)
      m.data()[k] = isa::load_element(t.dtype, image.data() + k * esize);
    out[t.name] = std::move(m);
  }
  return out;
}

Tensors run_values(isa::Program& prog, const isa::CoreLimits& limits, const Tensors& inputs) {
  isa::validate(prog, limits);
  isa::MachineState st(prog, limits);
  write_inputs(st, inputs);
  isa::execute_all(prog, st);
  return read_outputs(st);
}

double default_rtol(isa::DType dtype) {
  switch (dtype) {
    case isa::DType::kFp32:
      return 2e-3;
    case isa::DType::kBf16:
      return 4e-2;
    case isa::DType::kFp16:
      return 1e-2;
    default:
      return 0.15;
  }
}

CheckResult check_outputs(const Tensors& outputs, const Tensors& reference, double rtol) {
  CheckResult r;
  for (const auto& [name, ref] : reference) {
    auto it = outputs.find(name);
    if (it == outputs.end()) {
      r.ok = false;
      r.message = "output '" + name + "' missing";
      return r;
    }
    const Mat& out = it->second;
    if (out.rows() != ref.rows() || out.cols() != ref.cols()) {
      r.ok = false;
      r.message = "output '" + name + "' has shape [" + std::to_string(out.rows()) + ", " +
                  std::to_string(out.cols()) + "], reference [" + std::to_string(ref.rows()) +
                  ", " + std::to_string(ref.cols()) + "]";
      return r;
    }
    const double rms = ref.size() ? std::sqrt(ref.squaredNorm() / double(ref.size())) : 0.0;
    for (Eigen::Index i = 0; i < ref.size(); ++i) {
      const double o = out.data()[i], e = ref.data()[i];
      const double err = std::abs(o - e);
      const double scale = std::abs(e) + rms + 1e-30;
      r.max_abs_err = std::max(r.max_abs_err, std::isnan(err) ? INFINITY : err);
      r.max_rel_err = std::max(r.max_rel_err, std::isnan(err) ? INFINITY : err / scale);
      if ((std::isnan(err) || err > rtol * scale) && r.ok) {
        r.ok = false;
        std::ostringstream os;
        os << "output '" << name << "' element [" << i / ref.cols() << ", " << i % ref.cols()
           << "] = " << o << ", reference " << e << " (tolerance " << rtol * scale << ")";
        r.message = os.str();
      }
    }
  }
  return r;
}

}  // namespace trnsim::kernels
