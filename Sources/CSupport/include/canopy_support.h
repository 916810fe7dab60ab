#ifndef CANOPY_SUPPORT_H
#define CANOPY_SUPPORT_H
// Small C helpers for what Swift cannot say directly.
#include <stdint.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>

/// Truncates toward zero like C's (int) cast, without Swift's range check: one cvttss2si on x86-64.
/// Out-of-range values give INT32_MIN there, which every caller treats as a probe outside the image.
/// Callers only pass finite values well inside the Int32 range (depth >= 1 mm, bounded offsets).
static inline int32_t canopy_trunc_f32(float value) { return (int32_t)value; }

/// Keeps large freed blocks on glibc's heap for reuse instead of returning them with munmap (glibc
/// serves big blocks with mmap, so every multi-megabyte histogram would cost fresh zeroed pages).
static inline void canopy_keep_large_blocks(int bytes) {
    mallopt(M_MMAP_THRESHOLD, bytes);
    mallopt(M_TRIM_THRESHOLD, bytes);
}

/// Asks the kernel to SIGKILL this process when its parent dies (prctl is variadic, which Swift
/// cannot call). Returns 0 on success.
static inline int canopy_die_with_parent(void) { return prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); }

#endif
