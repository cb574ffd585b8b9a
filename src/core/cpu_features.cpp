#include "core/cpu_features.h"

#include <cstdlib>
#include <fstream>
#include <string_view>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace lowspec {

namespace {

std::string read_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::string_view v(line);
    if (v.starts_with("model name") || v.starts_with("Model") || v.starts_with("Hardware")) {
      size_t colon = v.find(':');
      if (colon != std::string_view::npos) {
        v.remove_prefix(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        return std::string(v);
      }
    }
  }
  return "unknown";
}

CpuFeatures detect() {
  CpuFeatures f;
  f.model_name = read_model_name();
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    f.sse42 = c & bit_SSE4_2;
    f.fma = c & bit_FMA;
    f.f16c = c & bit_F16C;
    bool osxsave = c & bit_OSXSAVE;
    f.avx = (c & bit_AVX) && osxsave;
    unsigned xcr0_lo = 0, xcr0_hi = 0;
    if (osxsave) __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    bool ymm_os = (xcr0_lo & 0x6) == 0x6;
    bool zmm_os = (xcr0_lo & 0xe6) == 0xe6;
    f.avx = f.avx && ymm_os;
    f.fma = f.fma && ymm_os;
    f.f16c = f.f16c && ymm_os;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
      f.avx2 = (b & bit_AVX2) && ymm_os;
      f.avx512f = (b & bit_AVX512F) && zmm_os;
      f.avx512bw = (b & bit_AVX512BW) && zmm_os;
      f.avx512vl = (b & bit_AVX512VL) && zmm_os;
      f.avx512vnni = (c & bit_AVX512VNNI) && zmm_os;
      f.avx512vbmi = (c & bit_AVX512VBMI) && zmm_os;
      f.gfni = (c & bit_GFNI) && ymm_os;
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) {
      f.avx512bf16 = (a & (1u << 5)) && zmm_os;
      f.avxvnni = (a & (1u << 4)) && ymm_os;
    }
  }
#elif defined(__aarch64__)
  f.neon = true;
#if defined(__linux__)
  const unsigned long caps = getauxval(AT_HWCAP);
  f.dotprod = caps & HWCAP_ASIMDDP;
  f.fp16 = caps & HWCAP_ASIMDHP;
  f.bf16 = getauxval(AT_HWCAP2) & HWCAP2_BF16;
#endif
#endif
  // LOWSPEC_ISA caps the detected features so the fallback paths can be exercised anywhere.
  if (const char* cap = std::getenv("LOWSPEC_ISA")) {
    std::string_view isa(cap);
    if (isa == "scalar" || isa == "avx2") {
      f.avx512f = f.avx512bw = f.avx512vl = f.avx512vnni = f.avx512bf16 = false;
    }
    // An AVX-512 VNNI core without VBMI, as Cascade Lake; an AVX-512 core without VNNI either, as
    // Skylake-SP.
    const bool no_vnni = isa == "avx512-novnni";
    if (no_vnni) f.avx512vnni = f.avx512bf16 = f.avxvnni = false;
    if (isa == "scalar" || isa == "avx2" || isa == "avx512-novbmi" || no_vnni) {
      f.avx512vbmi = f.gfni = false;
    }
    if (isa == "scalar" || isa == "neon") f.dotprod = f.fp16 = f.bf16 = false;
    if (isa == "scalar") {
      f.avx = f.avx2 = f.fma = f.f16c = f.avxvnni = false;
      f.neon = false;
    }
  }
  return f;
}

}  // namespace

std::string CpuFeatures::summary() const {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(sse42, "SSE4.2");
  add(avx, "AVX");
  add(avx2, "AVX2");
  add(fma, "FMA");
  add(f16c, "F16C");
  add(avx512f, "AVX512F");
  add(avx512bw, "AVX512BW");
  add(avx512vl, "AVX512VL");
  add(avx512vnni, "AVX512_VNNI");
  add(avx512vbmi, "AVX512_VBMI");
  add(gfni, "GFNI");
  add(avx512bf16, "AVX512_BF16");
  add(avxvnni, "AVX_VNNI");
  add(neon, "NEON");
  add(dotprod, "DOTPROD");
  add(fp16, "FP16");
  add(bf16, "BF16");
  return s.empty() ? "none" : s;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace lowspec
