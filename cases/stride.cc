// stride: touching every k-th int of an array larger than the last-level
// cache, for k = 1, 2, 4, ... 1024 (Drepper section 3.3; Ostrovsky's
// "Gallery of Processor Cache Effects", examples 1 and 5). Every pass loads
// whole cache lines, so while k ints fit in a line (k <= 16 with 64-byte
// lines) every line is loaded anyway and a pass costs the same; beyond that
// a pass loads one line per touched int, and its time falls in proportion to
// the lines it touches. The time is per array int (pass time / array ints),
// so the plot is flat, then halves with each doubling of k. For k beyond a
// line, successive passes start at successive lines of a stride, so a line
// is touched again only after the whole array (4x the last-level cache) has
// been: every pass comes from memory, as the first pass of the textbook
// experiment does, instead of from the caches the few touched lines fit in.
//
// Second effect, associativity: a random chase through a few lines placed
// exactly one L1 way apart (L1 size / ways: 4 KiB on most x86 cores) puts
// every line in the same L1 set; once there are more lines than ways, they
// evict each other although they hold only a few KiB. The same number of
// lines one way plus one line apart spreads over all sets and stays in L1.
// At most 64 lines, one per page: more pages than the L1 TLB holds would add
// a TLB effect to both.
// The number in a chase name is the line count; an iteration runs
// `elements` loads (laps of the cycle), so the time is per load.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cases/chase.h"
#include "cases/family.h"
#include "cases/timing.h"
#include "runners/machine.h"

namespace locality {
namespace {

std::vector<std::size_t> array_ladder(std::size_t llc_bytes, bool /*quick*/) {
  // One array, four times the last-level cache, for every stride.
  return {round_up_pow2(4 * llc_bytes) / sizeof(int)};
}

std::vector<std::size_t> lines_ladder(std::size_t /*llc_bytes*/, bool quick) {
  if (quick) return {4, 32};
  std::vector<std::size_t> lines;
  for (std::size_t n = 2; n <= 64; n *= 2) lines.push_back(n);
  return lines;
}

// Kept out of line with a run-time stride, so that every k > 1 runs the same
// loop (k = 1 has a vectorised loop of its own). Four independent sums keep
// the loop from being the limit: with one, k = 2 ran at one add per cycle,
// slower than memory delivers the lines (seen: 1.8x the time of k = 1).
__attribute__((noinline)) std::uint64_t strided_sum(const int* a, std::size_t n, std::size_t k) {
  if (k == 1) {  // vectorised by the compiler
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint64_t>(a[i]);
    return s;
  }
  std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 3 * k < n; i += 4 * k) {
    s0 += static_cast<std::uint64_t>(a[i]);
    s1 += static_cast<std::uint64_t>(a[i + k]);
    s2 += static_cast<std::uint64_t>(a[i + 2 * k]);
    s3 += static_cast<std::uint64_t>(a[i + 3 * k]);
  }
  for (; i < n; i += k) s0 += static_cast<std::uint64_t>(a[i]);
  return s0 + s1 + s2 + s3;
}

struct Ones {
  std::vector<int> a;
};

template <std::size_t K>
void every(benchmark::State& state, std::size_t n) {
  // All strides share one array of ones: the sum of a pass is the number of
  // ints it touched.
  auto& f = FixtureSlot::get<Ones>("stride/ones/" + std::to_string(n), [n] {
    auto built = std::make_unique<Ones>();
    built->a.assign(n, 1);
    return built;
  });
  const int* a = f.a.data();
  constexpr std::size_t kLineInts = 64 / sizeof(int);
  std::size_t pass = 0, offset = 0;
  std::uint64_t got = 0;
  auto once = [&] {
    offset = K > kLineInts ? (pass++ * kLineInts) % K : 0;
    escape(a);
    got = strided_sum(a + offset, n - offset, K);
    escape(&got);
  };
  {
    CounterScope scope(state, {n, n * sizeof(int)}, once);
    for (auto _ : state) once();
  }
  state.counters["stride_ints"] = K;
  state.counters["stride_bytes"] = K * sizeof(int);
  state.counters["touched_per_pass"] = static_cast<double>((n + K - 1) / K);
  if (got != (n - offset + K - 1) / K) state.SkipWithError("a pass did not touch every k-th int");
}

// The bytes of one L1 way: lines this far apart share an L1 set.
std::size_t l1_way_bytes() {
  const auto l1 = data_cache(read_caches(), 1);
  if (!l1 || l1->ways <= 0 || l1->size_bytes == 0) return 4096;
  return l1->size_bytes / static_cast<std::size_t>(l1->ways);
}

struct Link {
  Link* next;
};

struct SpacedLines {
  char* buffer = nullptr;
  Link* start = nullptr;
  std::size_t spacing = 0;
  SpacedLines() = default;
  SpacedLines(const SpacedLines&) = delete;
  SpacedLines& operator=(const SpacedLines&) = delete;
  ~SpacedLines() { std::free(buffer); }
};

template <bool SameSet>
void spaced_chase(benchmark::State& state, std::size_t lines) {
  const std::size_t spacing = l1_way_bytes() + (SameSet ? 0 : 64);
  auto& f = FixtureSlot::get<SpacedLines>(
      std::string("stride/spaced/") + (SameSet ? "same/" : "spread/") + std::to_string(lines),
      [lines, spacing] {
        auto built = std::make_unique<SpacedLines>();
        built->spacing = spacing;
        built->buffer = static_cast<char*>(std::aligned_alloc(4096, lines * spacing));
        if (built->buffer == nullptr) throw std::bad_alloc();
        std::memset(built->buffer, 0, lines * spacing);
        const auto next = cycle_successors(lines, ChaseOrder::random, 1);
        auto at = [&](std::size_t i) { return reinterpret_cast<Link*>(built->buffer + i * spacing); };
        for (std::size_t i = 0; i < lines; ++i) at(i)->next = at(next[i]);
        built->start = at(0);
        return built;
      });
  time_chase(state, f.start, lines, lines * 64);
  state.counters["spacing_bytes"] = static_cast<double>(spacing);
  state.counters["footprint_bytes"] = static_cast<double>(lines * spacing);
}

template <std::size_t K>
Case every_case() {
  return {"every_" + std::to_string(K), "sum one int in every " + std::to_string(K) + " (a stride of " + std::to_string(K * sizeof(int)) + " bytes)",
          4.5, &every<K>};
}

const bool kRegistered = add_family({
    "stride",
    "Touching every k-th int of an array twice the last-level cache (k = 1 ... 1024), and a "
    "chase through lines one L1 way apart (all in one set) against one way plus one line apart.",
    "The time per array int stays flat while k ints fit in one cache line (k <= 16 for 64-byte "
    "lines), then falls about in half with each doubling of k, as passes touch fewer lines. "
    "The same-set chase costs an L1 hit while its lines fit in the L1 ways, then jumps to the "
    "next level's latency; the spread chase stays at the L1 latency.",
    {
        every_case<1>(), every_case<2>(), every_case<4>(), every_case<8>(), every_case<16>(),
        every_case<32>(), every_case<64>(), every_case<128>(), every_case<256>(),
        every_case<512>(), every_case<1024>(),
        {"same_set_chase", "random chase through lines one L1 way apart (one cache set)",
         4096.0, &spaced_chase<true>, 0, {}, &lines_ladder},
        {"spread_set_chase", "random chase through lines one L1 way plus one line apart",
         4160.0, &spaced_chase<false>, 0, {}, &lines_ladder},
    },
    &array_ladder,
});

}  // namespace
}  // namespace locality
