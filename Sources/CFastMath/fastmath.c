// Header-only; see include/canopy_fastmath.h.
