// Header-only; see include/canopy_support.h.
