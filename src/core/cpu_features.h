// What the CPU can do, detected once at run time. Kernels dispatch on this, so a CPU without a
// feature gets the next path, never an illegal instruction.
#pragma once
#include <string>

namespace lowspec {

struct CpuFeatures {
  bool sse42 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512vnni = false, avx512bf16 = false;
  bool avx512vbmi = false;  // byte permutes (vpermt2b)
  bool gfni = false;        // GF(2^8) affine byte transforms
  bool avxvnni = false;
  bool neon = false, dotprod = false;  // aarch64: ASIMD, SDOT/UDOT (asimddp)
  bool fp16 = false, bf16 = false;     // aarch64: half-precision arithmetic (asimdhp), BFDOT etc.
  std::string model_name;              // "AMD EPYC 9R14" etc.

  std::string summary() const;  // "AVX2 FMA F16C AVX512F ...", "NEON DOTPROD FP16 BF16"
};

// Detected once; LOWSPEC_ISA caps it (for testing the fallbacks): scalar|avx2|avx512-novbmi|avx512
// on x86-64, scalar|neon on aarch64 (neon = plain ASIMD, without dotprod/fp16/bf16).
const CpuFeatures& cpu_features();

}  // namespace lowspec
