// trnsim: cycle-approximate simulator of the AWS Trainium NeuronCore.
#include <climits>
#include <filesystem>
#include <iostream>
#include <new>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "isa/error.h"
#include "sim/cli/commands.h"
#include "workloads/model_cli.h"

namespace {

// A trnsim process is one run: its memory grows to a peak and is released at exit. glibc's
// defaults hand large freed blocks back to the kernel (munmap of mmap'd chunks, heap trimming)
// and the next allocation faults the same amount in again, zero-filled, one fault per 4 KiB
// page; on a 1M-instruction timing-only run that was 80k of its 334k page faults. Freed memory
// is kept in the heap for reuse instead; the peak stays about where it was (that run: +0.5%
// peak RSS). Only the allocation policy changes: no result depends on it.
void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);  // every block from the heap (glibc falls back to mmap if brk fails)
  mallopt(M_TRIM_THRESHOLD, INT_MAX);  // keep freed memory at the heap top
#endif
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory_for_reuse();
  CLI::App app{"trnsim: cycle-approximate simulator of the AWS Trainium NeuronCore"};
  app.set_version_flag("--version", std::string("trnsim ") + TRNSIM_VERSION);
  app.require_subcommand(1);
  trnsim::cli::add_run_command(app);
  trnsim::cli::add_isa_command(app);
  trnsim::cli::add_schema_command(app);
  trnsim::cli::add_compare_command(app);
  trnsim::cli::add_nki_command(app);
  trnsim::cli::add_bench_command(app);
  trnsim::cli::add_rank_command(app);
  trnsim::cli::add_convert_command(app);
  trnsim::workloads::add_model_subcommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const trnsim::Error& e) {
    std::cerr << "trnsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {  // the machine's limit, not a bug: say so, exit 2
    std::cerr << "trnsim: error: out of host memory (use --timing-only or smaller tensors)\n";
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {  // the file system's refusal
    std::cerr << "trnsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {  // exit 3 is reserved for bugs in trnsim
    std::cerr << "trnsim: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
