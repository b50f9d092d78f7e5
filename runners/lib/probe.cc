#include "runners/lib/probe.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/kernels.h"

namespace locality {
namespace {

// 100 dependent register-register adds: the chain is the critical path; the
// loop's own counter and branch run beside it. Not immediates: Intel cores
// from Golden Cove on (Alder Lake, Sapphire Rapids) fold a chain of
// add-immediates in the renamer and retire several per cycle, which made
// an earlier version of this probe read 15.7 "GHz" on a 2.1 GHz Xeon. The
// addend is a register the compiler cannot see the value of.
inline void add_chain(std::uint64_t& x, std::uint64_t step) {
#if defined(__x86_64__)
  asm volatile(".rept 100\n\taddq %1, %0\n\t.endr" : "+r"(x) : "r"(step));
#elif defined(__aarch64__)
  asm volatile(".rept 100\n\tadd %0, %0, %1\n\t.endr" : "+r"(x) : "r"(step));
#else
  for (int i = 0; i < 100; ++i) asm volatile("" : "+r"(x) : "r"(step));
#endif
}

double adds_per_ns(std::uint64_t blocks) {
  std::uint64_t x = 0;
  std::uint64_t step = 1;
  asm volatile("" : "+r"(step));  // a value known only at run time
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < blocks; ++i) add_chain(x, step);
  const auto t1 = std::chrono::steady_clock::now();
  asm volatile("" : : "r"(x));
  const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  return static_cast<double>(blocks) * 100.0 / ns;
}

// Bytes per ns of `passes` passes of the widest vector read over `words`.
double read_gb_s(const std::uint64_t* p, std::size_t words, std::size_t passes) {
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t sum = kernels::read_words(p, words, passes, kernels::Width::widest);
  const auto t1 = std::chrono::steady_clock::now();
  asm volatile("" : : "r"(sum));
  const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  return static_cast<double>(words * sizeof(std::uint64_t) * passes) / ns;
}

struct Spread {
  double median, min, max, spread;
};

Spread spread_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const double median = v[v.size() / 2];
  return {median, v.front(), v.back(), (v.back() - v.front()) / median};
}

}  // namespace

ClockProbe probe_clock(int samples, double sample_seconds) {
  ClockProbe p;
#if defined(__x86_64__) || defined(__aarch64__)
  p.method = "a chain of dependent register-register integer adds (one cycle each): adds per ns";
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
  const Spread clock = spread_of(p.ghz);
  p.median_ghz = clock.median;
  p.min_ghz = clock.min;
  p.max_ghz = clock.max;
  p.spread = clock.spread;

  // 16 KiB: inside every current L1 data cache. Samples of the same length
  // as the clock's, interleaved with nothing else.
  constexpr std::size_t kWords = 2048;
  std::unique_ptr<std::uint64_t, decltype(&std::free)> buffer(
      static_cast<std::uint64_t*>(std::aligned_alloc(64, kWords * sizeof(std::uint64_t))), &std::free);
  if (!buffer) return p;
  for (std::size_t i = 0; i < kWords; ++i) buffer.get()[i] = i;
  std::size_t passes = 16;
  double read_rate = read_gb_s(buffer.get(), kWords, passes);
  for (int i = 0; i < 3; ++i) {
    const double bytes = sample_seconds * 1e9 * read_rate;
    passes = std::max<std::size_t>(1, static_cast<std::size_t>(bytes / (kWords * sizeof(std::uint64_t))));
    read_rate = read_gb_s(buffer.get(), kWords, passes);
  }
  for (int i = 0; i < samples; ++i) p.read_gb_s.push_back(read_gb_s(buffer.get(), kWords, passes));
  const Spread read = spread_of(p.read_gb_s);
  p.read_median_gb_s = read.median;
  p.read_min_gb_s = read.min;
  p.read_max_gb_s = read.max;
  p.read_spread = read.spread;
  p.read_bytes = kWords * sizeof(std::uint64_t);
  p.read_method = "the widest vector read (" + kernels::vector_target() + ") of a 16 KiB buffer in the L1 cache: GB/s";
  return p;
}

std::string implausible_clock(double ghz) {
  if (ghz >= kMinPlausibleGhz && ghz <= kMaxPlausibleGhz) return {};
  char text[200];
  std::snprintf(text, sizeof text,
                "the probed clock, %.3g GHz, is outside what any core runs at (%.1f to %.1f GHz): the add chain "
                "did not run one add per cycle here; cycles are not shown",
                ghz, kMinPlausibleGhz, kMaxPlausibleGhz);
  return text;
}

nlohmann::json to_json(const ClockProbe& p) {
  nlohmann::json j = {{"ghz", p.median_ghz}, {"min_ghz", p.min_ghz}, {"max_ghz", p.max_ghz},
                      {"samples", p.ghz.size()}, {"spread", p.spread}, {"method", p.method}};
  if (const std::string why = implausible_clock(p.median_ghz); !why.empty()) j["implausible"] = why;
  if (!p.read_gb_s.empty()) {
    j["l1_read"] = {{"gb_s", p.read_median_gb_s}, {"min_gb_s", p.read_min_gb_s}, {"max_gb_s", p.read_max_gb_s},
                    {"samples", p.read_gb_s.size()}, {"spread", p.read_spread}, {"bytes", p.read_bytes},
                    {"method", p.read_method}};
  }
  return j;
}

}  // namespace locality
