// stride: touching every k-th int of an array larger than the last-level
// cache, for k = 1, 2, 4, ... 1024 (Drepper section 3.3; Ostrovsky's
// "Gallery of Processor Cache Effects", examples 1 and 5). Every access
// loads a whole cache line, so while k ints fit in a line (k <= 16 with
// 64-byte lines) each touched int brings k ints of the line with it and the
// cost per touched int grows with k, until each touched int costs a whole
// line from memory. Beyond a line it costs a line or more: the prefetcher
// fetches lines in pairs (so k = 32 brings the unused neighbour too), and
// larger strides cross a page every few accesses and keep fewer misses in
// flight. The figure is the time per touched int against the stride, with
// the time per touched line beside it (the `touched_lines` counter); the
// array's size is the same for every k. For k beyond a line, successive
// passes start at successive lines of a stride, so a line is touched again
// only after the whole array has been: every pass comes from memory.
//
// Second effect, associativity: a random chase through a few lines placed
// exactly one L1 way apart (L1 size / ways: 4 KiB on most x86 cores) puts
// every line in the same L1 set; once there are more lines than ways, they
// evict each other although they hold only a few KiB. The same number of
// lines one way plus one line apart spreads over all sets and stays in L1.
// At most 64 lines, one per page: more pages than the L1 TLB holds would add
// a TLB effect to both. The number in a chase name is the line count.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/chase.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/kernels.h"
#include "core/layout.h"
#include "core/machine.h"
#include "core/timing.h"

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

// Out of line with a run-time stride, so that every k > 1 runs the same
// loop (k = 1 is the vector sum). Four independent sums keep the loop from
// being the limit: with one, k = 2 ran at one add per cycle, slower than
// memory delivers the lines.
__attribute__((noinline)) std::uint64_t strided_sum(const int* a, std::size_t n, std::size_t k) {
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

constexpr std::size_t kLineInts = kLineBytes / sizeof(int);

template <std::size_t K>
void every(benchmark::State& state, std::size_t n) {
  // All strides share one array of ones: the sum of a pass is the number of
  // ints it touched.
  auto& f = Fixtures::get<Ones>("stride/ones/" + std::to_string(n), n * sizeof(int), [n] {
    auto built = std::make_unique<Ones>();
    built->a.assign(n, 1);
    return built;
  });
  const int* a = f.a.data();
  std::size_t pass = 0, offset = 0;
  std::uint64_t got = 0;
  auto once = [&] {
    offset = K > kLineInts ? (pass++ * kLineInts) % K : 0;
    escape(a);
    got = K == 1 ? kernels::sum_ints(a, n) : strided_sum(a + offset, n - offset, K);
    escape(&got);
  };
  const std::size_t touched = (n + K - 1) / K;
  {
    CounterScope scope(state, {touched, n * sizeof(int)}, once);
    for (auto _ : state) once();
  }
  state.counters["stride_ints"] = K;
  state.counters["stride_bytes"] = K * sizeof(int);
  state.counters["touched_lines"] = static_cast<double>(K >= kLineInts ? touched : (n + kLineInts - 1) / kLineInts);
  const std::uint64_t want = K == 1 ? n : (n - offset + K - 1) / K;
  if (got != want) state.SkipWithError("a pass did not touch every k-th int");
}

// The bytes of one L1 way: lines this far apart share an L1 set.
std::size_t l1_way_bytes() {
  const auto l1 = data_cache(this_machine().caches, 1);
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
  auto& f = Fixtures::get<SpacedLines>(
      std::string("stride/spaced/") + (SameSet ? "same/" : "spread/") + std::to_string(lines), lines * spacing,
      [lines, spacing] {
        auto built = std::make_unique<SpacedLines>();
        built->spacing = spacing;
        built->buffer = static_cast<char*>(std::aligned_alloc(4096, (lines * spacing + 4095) / 4096 * 4096));
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
  return {.name = "every_" + std::to_string(K),
          .summary = "sum one int in every " + std::to_string(K) + " (a stride of " +
                     std::to_string(K * sizeof(int)) + " bytes)",
          .peak_bytes_per_element = 4.5,
          .fn = &every<K>,
          .label = "k = " + std::to_string(K),
          .series = "every k-th int",
          .axis = {"stride_bytes", "stride (bytes between touched ints)"},
          .model = {.kind = "stream", .bytes = sizeof(int), .stride = K * sizeof(int), .tolerance = 0.5,
                    .parts = "once the stride outgrows a line: lines fetched one by one, not streamed, arrive "
                             "fewer per second than a dense read's, and from a page up each load also misses "
                             "the TLB"}};
}

// Every stride beyond a line, each against k = 16, not only the largest:
// from k = 16 on a touched int moves a whole line, and k = 16 streams those
// lines densely, so no larger stride can cost less per touched int.
Claim beyond_a_line(int k) {
  return {.kind = "ratio",
          .says = std::string(k == 32 ? "beyond a line no stride costs less than k = 16: " : "and ") + "k = " +
                  std::to_string(k) + " costs at least what k = 16 costs per touched int, which already moves "
                  "a whole line (a physical limit, not a typical value)",
          .cases = {"every_" + std::to_string(k), "every_16"},
          .min = 1};
}

Case chase_case(const char* name, const char* summary, double peak, CaseFn fn) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = peak, .fn = fn,
          .unit = {"load", 64}, .ladder = &lines_ladder};
}

const bool kRegistered = add_family({
    .name = "stride",
    .title = "Strided access",
    .order = 80,
    .demonstrates = "Touching every k-th int of an array four times the last-level cache (k = 1 ... "
                    "1024), and a chase through lines one L1 way apart (all in one set) against one way "
                    "plus one line apart.",
    .expected = "The time per touched int grows with k while k ints fit in one line (k <= 16 for "
                "64-byte lines): every access brings a whole line of which it uses less. From k = 16 on "
                "every touched int costs a whole line from memory or more (line pairs fetched together, "
                "page crossings, fewer misses in flight). The same-set chase costs an L1 hit while its "
                "lines fit in the L1 ways, then jumps to the next level's latency; the spread chase "
                "stays at the L1 latency.",
    .unit = {"touched int", sizeof(int)},
    .size_name = "ints in the array (lines, for the chases)",
    .cases = {every_case<1>(), every_case<2>(), every_case<4>(), every_case<8>(), every_case<16>(),
              every_case<32>(), every_case<64>(), every_case<128>(), every_case<256>(), every_case<512>(),
              every_case<1024>(),
              chase_case("same_set_chase", "random chase through lines one L1 way apart (one cache set)",
                         4096.0, &spaced_chase<true>).labelled("lines in one cache set"),
              chase_case("spread_set_chase", "random chase through lines one L1 way plus one line apart",
                         4160.0, &spaced_chase<false>).labelled("lines spread over sets")},
    .claims = {
        {.kind = "ratio",
         .says = "a touched int costs at least 8x more at k = 16 (a line per int) than at k = 1 (16 ints "
                 "per line)",
         .cases = {"every_16", "every_1"}, .min = 8},
        beyond_a_line(32), beyond_a_line(64), beyond_a_line(128), beyond_a_line(256), beyond_a_line(512),
        beyond_a_line(1024),
        {.kind = "ratio",
         .says = "the same-set chase costs at least twice the spread one once its lines outnumber the ways",
         .cases = {"same_set_chase", "spread_set_chase"}, .min = 2},
    },
    .statistic = Statistic::minimum,
    .ladder = &array_ladder,
});

}  // namespace
}  // namespace locality
