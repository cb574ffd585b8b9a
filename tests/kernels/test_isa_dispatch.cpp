// Which matmul path the dispatcher picks: on aarch64 NEON, with the SDOT form exactly when the
// kernel reports dotprod (asimddp), so a core without it (Cortex-A53/A72: Raspberry Pi 3/4) never
// runs an SDOT. The cross build's tests run under qemu with and without dotprod and tell the test
// which through LOWSPEC_TEST_EXPECT_DOTPROD (1 or 0).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "core/cpu_features.h"
#include "kernels/matmul_dispatch.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

using namespace lowspec;

namespace {

#if defined(__aarch64__)

std::string_view isa_cap() {
  const char* cap = std::getenv("LOWSPEC_ISA");
  return cap ? cap : "";
}

TEST(IsaDispatch, Aarch64PicksNeonUnlessCappedToScalar) {
  EXPECT_FALSE(matmul_isa_supported(MatmulIsa::Avx2));
  EXPECT_FALSE(matmul_isa_supported(MatmulIsa::Avx512));
  if (isa_cap() == "scalar") {
    EXPECT_EQ(matmul_best_isa(), MatmulIsa::Scalar);
    EXPECT_FALSE(matmul_isa_supported(MatmulIsa::Neon));
  } else {
    EXPECT_EQ(matmul_best_isa(), MatmulIsa::Neon);
    EXPECT_EQ(matmul_isa_name(matmul_best_isa()), "neon");
  }
}

#if defined(__linux__)
TEST(IsaDispatch, DotprodFollowsHwcapAndTheCap) {
  const bool hwcap = getauxval(AT_HWCAP) & HWCAP_ASIMDDP;
  const bool capped = isa_cap() == "neon" || isa_cap() == "scalar";
  EXPECT_EQ(cpu_features().dotprod, hwcap && !capped);
  EXPECT_EQ(matmul_neon_uses_dotprod(), cpu_features().dotprod);
  const std::string summary = cpu_features().summary();
  EXPECT_EQ(summary.find("DOTPROD") != std::string::npos, cpu_features().dotprod) << summary;
}
#endif

TEST(IsaDispatch, DotprodMatchesTheEmulatedCore) {
  const char* expect = std::getenv("LOWSPEC_TEST_EXPECT_DOTPROD");
  if (expect == nullptr) GTEST_SKIP() << "LOWSPEC_TEST_EXPECT_DOTPROD not set";
  EXPECT_EQ(matmul_neon_uses_dotprod(), std::string_view(expect) == "1");
}

#elif defined(__x86_64__)

TEST(IsaDispatch, X86NeverPicksNeon) {
  EXPECT_FALSE(matmul_isa_supported(MatmulIsa::Neon));
  EXPECT_NE(matmul_best_isa(), MatmulIsa::Neon);
  EXPECT_FALSE(cpu_features().neon);
  EXPECT_FALSE(cpu_features().dotprod);
}

// VBMI and GFNI (the byte permutes and nibble transform of Q4_0 decode) as CPUID reports them,
// unless LOWSPEC_ISA caps it: the capped run of the quantized matmul tests (ctest
// kernels_quant_matmul_avx512_novbmi) takes the path of a VNNI core without it.
TEST(IsaDispatch, X86VbmiFollowsCpuidAndTheCap) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  const bool cpuid =
      __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & bit_AVX512VBMI) && cpu_features().avx512f;
  const char* cap = std::getenv("LOWSPEC_ISA");
  const bool capped =
      cap != nullptr &&
      (std::string_view(cap) == "avx512-novbmi" || std::string_view(cap) == "avx512-novnni" ||
       std::string_view(cap) == "avx2" || std::string_view(cap) == "scalar");
  EXPECT_EQ(cpu_features().avx512vbmi, cpuid && !capped);
  const bool gfni = (c & bit_GFNI) && cpu_features().avx;
  EXPECT_EQ(cpu_features().gfni, gfni && !capped);
  EXPECT_EQ(cpu_features().summary().find("AVX512_VBMI") != std::string::npos,
            cpu_features().avx512vbmi);
}

// VNNI as CPUID reports it, unless LOWSPEC_ISA caps it; the avx512-novnni cap (ctest
// kernels_quant_matmul_avx512_novnni) keeps AVX-512 itself, so the AVX-512 dispatch is still chosen
// and hands the integer dots to the AVX2 bodies.
TEST(IsaDispatch, X86VnniFollowsCpuidAndTheCap) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  const bool cpuid =
      __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & bit_AVX512VNNI) && cpu_features().avx512f;
  const char* cap = std::getenv("LOWSPEC_ISA");
  const bool no_vnni = cap != nullptr && std::string_view(cap) == "avx512-novnni";
  const bool capped =
      no_vnni ||
      (cap != nullptr && (std::string_view(cap) == "avx2" || std::string_view(cap) == "scalar"));
  EXPECT_EQ(cpu_features().avx512vnni, cpuid && !capped);
  if (no_vnni && cpuid) EXPECT_EQ(matmul_best_isa(), MatmulIsa::Avx512);
}

// Under qemu-x86_64 (scripts/dev test) the emulated core has AVX2 (-cpu max) or nothing past SSE2
// (-cpu qemu64); the dispatcher must pick that path, and the binary must have started at all: no
// code for a wider ISA may run before main (a static initializer in an AVX-512 file once did).
TEST(IsaDispatch, BestIsaMatchesTheEmulatedCore) {
  const char* expect = std::getenv("LOWSPEC_TEST_EXPECT_ISA");
  if (expect == nullptr) GTEST_SKIP() << "LOWSPEC_TEST_EXPECT_ISA not set";
  EXPECT_EQ(matmul_isa_name(matmul_best_isa()), std::string_view(expect));
  if (std::string_view(expect) != "avx512") EXPECT_FALSE(cpu_features().avx512f);
}

#endif

}  // namespace
