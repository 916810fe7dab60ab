#ifndef CANOPY_FASTMATH_H
#define CANOPY_FASTMATH_H
#include <stdint.h>

/// Truncates toward zero like C's (int) cast, without Swift's range check: one cvttss2si on x86-64.
/// Out-of-range values give INT32_MIN there, which every caller treats as a probe outside the image.
/// Callers only pass finite values well inside the Int32 range (depth >= 1 mm, bounded offsets).
static inline int32_t canopy_trunc_f32(float value) { return (int32_t)value; }

#endif
