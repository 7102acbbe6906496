// Descent's own C kernels: contiguous float32 loops compiled for the vector width of the machine they run on.
// Swift compiles for the baseline x86-64 (SSE2) unless given unsafe flags; these kernels carry their own
// instruction-set builds (descent_dispatch.h). Only `Sources/Descent/Backend/` imports this module.
#ifndef C_DESCENT_KERNELS_H
#define C_DESCENT_KERNELS_H

#include "descent_dispatch.h"
#include "descent_elementwise.h"
#include "descent_optimizers.h"
#include "descent_convolution.h"
#include "descent_pooling.h"
#include "descent_recurrent.h"
#include "descent_bfloat16.h"
#include "descent_panels.h"
#include "descent_blocked.h"

#endif
