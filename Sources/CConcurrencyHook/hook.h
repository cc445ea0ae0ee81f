#ifndef PERMISO_CCONCURRENCYHOOK_H
#define PERMISO_CCONCURRENCYHOOK_H

#include <stdbool.h>
#include <stddef.h>

/// Swift Concurrency's global-enqueue hook, a variable the Swift runtime
/// (libswift_Concurrency) defines: while it is set, every job the global executor would run
/// now is handed to the function it points at instead (jobs with a delay or a deadline have
/// hooks of their own, which NIO leaves alone too). Its real type is a swiftcall function
/// pointer; a pointer-sized `void *` is all this header needs.
extern void *_Nullable swift_task_enqueueGlobal_hook;

/// Sets the hook to `hook` if nothing has set it yet, as one atomic compare-and-exchange.
///
/// The variable is referenced here by the linker rather than looked up with `dlsym`: a binary
/// linked with `--static-swift-stdlib` hides the runtime's symbols from its dynamic symbol
/// table (`--exclude-libs ALL`), so a lookup by name finds nothing there.
static inline bool permiso_install_enqueue_global_hook(void *_Nonnull hook) {
    void *expected = NULL;
    return __atomic_compare_exchange_n(&swift_task_enqueueGlobal_hook, &expected, hook, false,
                                       __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

#endif
