// ASan annotation for SystemC's coroutine switches.
// Debian's libsystemc (QuickThreads) calls ASan's fiber-switch hooks, but it describes the main
// (non-coroutine) context with an empty stack (bottom and size 0). After sc_start() returns,
// ASan therefore believes the thread runs on a zero-sized stack, skips the unpoisoning that a
// `throw` needs ("ASan is ignoring requested __asan_handle_no_return: ... top: 0x0") and may
// then report stack-use-after-scope falsely. asan_on_thread_stack() tells ASan again that the
// caller runs on its thread's own stack. Call it on the thread that called sc_start(), right
// after it returns. Without ASan it does nothing.
#pragma once

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRNSIM_ASAN_FIBERS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TRNSIM_ASAN_FIBERS 1
#endif

#ifdef TRNSIM_ASAN_FIBERS
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstddef>
#endif

namespace trnsim::sim {

inline void asan_on_thread_stack() {
#ifdef TRNSIM_ASAN_FIBERS
  thread_local void* bottom = nullptr;
  thread_local size_t size = 0;
  if (bottom == nullptr) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
    pthread_attr_getstack(&attr, &bottom, &size);
    pthread_attr_destroy(&attr);
  }
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace trnsim::sim
