// Where trnsim finds its data (hardware configs, sample traces, model configs, kernel sets, the
// NKI Python front end). The data root is a folder laid out like the source tree
// (sim/configs/, traces/, workloads/models/, workloads/kernel_sets/, kernels/nki/):
//   1. $TRNSIM_DATA, if set (must hold sim/configs/);
//   2. <prefix>/share/trnsim for a binary installed as <prefix>/bin/trnsim;
//   3. the nearest folder above the binary that holds sim/configs/ (a build tree inside the
//      source tree: build/trnsim, build/tests/*_tests).
// Nothing is compiled in, so an installed prefix or a source tree keeps working after a move.
#pragma once

#include <string>

namespace trnsim::sim {

// The data root; throws trnsim::Error naming every place looked at when none holds the data.
std::string data_root();

// data_root() + "/" + relative.
std::string data_path(const std::string& relative);

// Absolute path of the running executable ("" if the OS does not say).
std::string executable_path();

}  // namespace trnsim::sim
