// `cmake --install` into a temporary prefix, then the prefix is moved and run/nki/rank/model
// are run from an unrelated folder: the binary must find its data relative to itself.
#include <gtest/gtest.h>

#include <cstring>

#include "isa/npy.h"
#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

class InstalledTrnsim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new TempDir();
    const CommandResult inst = run_shell("cmake --install '" + std::string(TRNSIM_BUILD_DIR) +
                                         "' --prefix '" + (*root_ / "staged") + "'");
    ASSERT_EQ(inst.exit_code, 0) << inst.output;
    ASSERT_EQ(std::rename((*root_ / "staged").c_str(), (*root_ / "moved").c_str()), 0);
    ASSERT_EQ(run_shell("mkdir '" + (*root_ / "elsewhere") + "'").exit_code, 0);
  }
  static void TearDownTestSuite() { delete root_; }

  // `moved/bin/trnsim ARGS` from the unrelated folder, with no hint where the data is.
  static CommandResult installed(const std::string& args) {
    return run_shell("cd '" + (*root_ / "elsewhere") +
                     "' && env -u TRNSIM_DATA -u TRNSIM_BIN -u TRNSIM_CONFIG_DIR "
                     "-u TRNSIM_KERNEL_SETS_DIR -u PYTHONPATH '" +
                     (*root_ / "moved/bin/trnsim") + "' " + args);
  }
  static std::string share(const std::string& rel) { return *root_ / ("moved/share/trnsim/" + rel); }
  static std::string here(const std::string& rel) { return *root_ / ("elsewhere/" + rel); }

  static TempDir* root_;
};
TempDir* InstalledTrnsim::root_ = nullptr;

TEST_F(InstalledTrnsim, InstallsBinaryConfigsTracesModelsAndPythonPackage) {
  for (const char* rel : {"sim/configs/trn1.json", "sim/configs/trn2.json", "sim/configs/trn3.json",
                          "traces/rmsnorm_128x2048_bf16.json", "traces/tour/scale.json",
                          "traces/tour/x.npy", "workloads/models/llama-3.2-1b/config.json",
                          "workloads/kernel_sets/baseline.json",
                          "kernels/nki/trnsim_nki/__main__.py", "kernels/nki/nki/language.py",
                          "kernels/nki/neuronxcc/nki/__init__.py",
                          "kernels/nki/examples/tensor_add.py"})
    EXPECT_TRUE(exists(share(rel))) << rel;
  EXPECT_TRUE(exists(*root_ / "moved/bin/trnsim"));
  // with the front end's bytecode, for users who cannot write the install tree
  const CommandResult pyc = run_shell("ls '" + share("kernels/nki/trnsim_nki/__pycache__") +
                                      "' | grep -c '^tracer\\..*\\.pyc$'");
  EXPECT_EQ(pyc.output, "1\n") << pyc.output;
}

TEST_F(InstalledTrnsim, RunsTheDefaultSampleAndTheTourFromAnotherFolder) {
  const CommandResult def = installed("run --out r");
  ASSERT_EQ(def.exit_code, 0) << def.output;
  EXPECT_TRUE(exists(here("r/outputs/y.npy")));
  const CommandResult tour = installed("run " + share("traces/tour/scale.json") + " --input x=" +
                                       share("traces/tour/x.npy") + " --target trn1 --out s -q");
  ASSERT_EQ(tour.exit_code, 0) << tour.output;
  EXPECT_TRUE(exists(here("s/outputs/y.npy")));
}

TEST_F(InstalledTrnsim, RunsAnNkiKernel) {
  isa::NpyArray a;
  a.descr = "<f4";
  a.shape = {128, 512};
  a.data.assign(128 * 512 * 4, 0);
  for (int64_t i = 0; i < a.elements(); ++i) {
    const float v = float(i % 7) - 3.0f;
    std::memcpy(&a.data[4 * i], &v, 4);
  }
  isa::write_npy(here("a.npy"), a);
  const CommandResult r =
      installed("nki " + share("kernels/nki/examples/tensor_add.py") +
                "::tensor_add --input a_input=a.npy --input b_input=a.npy --out k");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const isa::NpyArray out = isa::read_npy(here("k/outputs/out.npy"));
  ASSERT_EQ(out.elements(), a.elements());
  for (int64_t i = 0; i < a.elements(); i += 101) {
    float x, z;
    std::memcpy(&x, &a.data[4 * i], 4);
    std::memcpy(&z, &out.data[4 * i], 4);
    EXPECT_EQ(z, 2 * x) << i;
  }
}

TEST_F(InstalledTrnsim, RanksAndRunsAShippedModel) {
  const CommandResult rank = installed("rank rmsnorm --shape rows=128,cols=512 --out rk");
  ASSERT_EQ(rank.exit_code, 0) << rank.output;
  EXPECT_TRUE(exists(here("rk/rank.json")));
  const CommandResult model = installed("model llama-3.2-1b --prompt-len 16 --gen 1 --summary");
  ASSERT_EQ(model.exit_code, 0) << model.output;
  EXPECT_NE(model.output.find("TTFT"), std::string::npos) << model.output;
}

// pip install of a copy of kernels/nki (pip builds in the folder it is given), then a kernel
// run from another folder with only PYTHONPATH and PATH pointing at the installs.
TEST_F(InstalledTrnsim, PipInstalledFrontEndFindsTrnsimOnPath) {
  const std::string copy = *root_ / "nki_src", site = *root_ / "site";
  ASSERT_EQ(run_shell("cp -r '" + source_path("kernels/nki") + "' '" + copy + "'").exit_code, 0);
  const CommandResult pip = run_shell("/usr/bin/python3 -m pip install -q --no-build-isolation "
                                      "--no-deps --no-index --target '" + site + "' '" + copy +
                                      "'");
  ASSERT_EQ(pip.exit_code, 0) << pip.output;
  const std::string script =
      "import numpy as np, neuronxcc.nki as nki, neuronxcc.nki.language as nl, trnsim_nki\n"
      "@nki.jit\n"
      "def double(a):\n"
      "    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)\n"
      "    nl.store(out, value=nl.load(a) * 2.0)\n"
      "    return out\n"
      "a = np.arange(128 * 64, dtype=np.float32).reshape(128, 64)\n"
      "out, stats = trnsim_nki.run(double, a)\n"
      "assert (out == 2 * a).all() and stats['total_ns'] > 0\n"
      "print('ok', trnsim_nki.__file__)\n";
  std::ofstream(here("double.py")) << script;
  const CommandResult r = run_shell(
      "cd '" + here("") + "' && env -u TRNSIM_BIN -u TRNSIM_DATA PYTHONPATH='" + site +
      "' PATH='" + (*root_ / "moved/bin") + ":/usr/bin:/bin' /usr/bin/python3 double.py");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok " + site), std::string::npos) << r.output;
}

TEST_F(InstalledTrnsim, ExplicitDataFolderMustHoldTheData) {
  const CommandResult r = run_shell("cd '" + here("") + "' && TRNSIM_DATA=/nonexistent '" +
                                    (*root_ / "moved/bin/trnsim") + "' run");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("TRNSIM_DATA=/nonexistent"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace trnsim::cli::testing
