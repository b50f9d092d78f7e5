#include "runners/probe.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace locality {
namespace {

// 100 dependent adds: the chain is the critical path; the loop's own
// counter and branch run beside it.
inline void add_chain(std::uint64_t& x) {
#if defined(__x86_64__)
  asm volatile(".rept 100\n\taddq $1, %0\n\t.endr" : "+r"(x));
#elif defined(__aarch64__)
  asm volatile(".rept 100\n\tadd %0, %0, #1\n\t.endr" : "+r"(x));
#else
  for (int i = 0; i < 100; ++i) asm volatile("" : "+r"(x) : : );
#endif
}

double adds_per_ns(std::uint64_t blocks) {
  std::uint64_t x = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < blocks; ++i) add_chain(x);
  const auto t1 = std::chrono::steady_clock::now();
  asm volatile("" : : "r"(x));
  const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  return static_cast<double>(blocks) * 100.0 / ns;
}

}  // namespace

ClockProbe probe_clock(int samples, double sample_seconds) {
  ClockProbe p;
#if defined(__x86_64__) || defined(__aarch64__)
  p.method = "a chain of dependent integer adds (one cycle each): adds per ns";
#else
  p.method = "a chain of dependent adds in C (approximate on this ISA)";
#endif
  // Calibrate the block count for one sample (and warm the core up).
  std::uint64_t blocks = 1000;
  double rate = adds_per_ns(blocks);
  for (int i = 0; i < 3; ++i) {
    blocks = std::max<std::uint64_t>(100, static_cast<std::uint64_t>(sample_seconds * 1e9 * rate / 100));
    rate = adds_per_ns(blocks);
  }
  for (int i = 0; i < samples; ++i) p.ghz.push_back(adds_per_ns(blocks));
  std::vector<double> sorted = p.ghz;
  std::sort(sorted.begin(), sorted.end());
  p.median_ghz = sorted[sorted.size() / 2];
  p.min_ghz = sorted.front();
  p.max_ghz = sorted.back();
  p.spread = (p.max_ghz - p.min_ghz) / p.median_ghz;
  return p;
}

nlohmann::json to_json(const ClockProbe& p) {
  return {{"ghz", p.median_ghz}, {"min_ghz", p.min_ghz}, {"max_ghz", p.max_ghz},
          {"samples", p.ghz.size()}, {"spread", p.spread}, {"method", p.method}};
}

}  // namespace locality
