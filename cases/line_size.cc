// line_size: the cache line size read off the data, two ways.
//
// A chase through blocks of 1 KiB in a random order, 256 KiB in all (in L2,
// beyond L1: the blocks' first words fall into a few L1 sets and evict each
// other). Each node is two words: the first, at the end of its block,
// holds the address of the second, d bytes before it, which holds the
// address of the next node. While d is under a line the second load finds
// the line the first brought into L1; from d = one line on it needs a line
// of its own from L2, and the time per node steps up. The second word lies
// before the first, against the direction in which the L1 prefetchers
// fetch ahead; a spatial prefetcher that fetches lines around a miss moves
// the step to its region, and the report says so.
//
// And a false-sharing sweep: two threads on two cores increment their own
// counters d bytes apart; while both lie in one line every increment takes
// the line from the other core, once they are a line apart the threads run
// undisturbed. Coherence is per line, whatever the prefetchers do.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/cpus.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/team.h"
#include "core/timing.h"

namespace locality {
namespace {

constexpr std::size_t kBlock = 1024;
constexpr std::uint64_t kSeed = 0x11e51e;

std::vector<std::size_t> blocks_ladder(std::size_t /*llc_bytes*/, bool /*quick*/) {
  return {(std::size_t{256} << 10) / kBlock};
}

std::vector<std::size_t> increments_ladder(std::size_t /*llc_bytes*/, bool quick) {
  return {quick ? std::size_t{1} << 15 : std::size_t{1} << 19};
}

struct Word {
  Word* next;
};

struct Blocks {
  char* buffer = nullptr;
  Word* start = nullptr;
  Blocks() = default;
  Blocks(const Blocks&) = delete;
  Blocks& operator=(const Blocks&) = delete;
  ~Blocks() { std::free(buffer); }
};

template <std::size_t D>
void pair_chase(benchmark::State& state, std::size_t blocks) {
  auto& f = Fixtures::get<Blocks>("line_size/" + std::to_string(D) + "/" + std::to_string(blocks), blocks * kBlock,
                                  [blocks] {
    auto built = std::make_unique<Blocks>();
    built->buffer = static_cast<char*>(std::aligned_alloc(4096, blocks * kBlock));
    if (built->buffer == nullptr) throw std::bad_alloc();
    std::vector<std::size_t> order(blocks);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin() + 1, order.end(), std::mt19937_64(kSeed));
    auto first = [&](std::size_t b) {
      return reinterpret_cast<Word*>(built->buffer + b * kBlock + kBlock - sizeof(Word));
    };
    for (std::size_t i = 0; i < blocks; ++i) {
      Word* a = first(order[i]);
      Word* second = reinterpret_cast<Word*>(reinterpret_cast<char*>(a) - D);
      a->next = second;
      second->next = first(order[(i + 1) % blocks]);
    }
    built->start = first(order[0]);
    return built;
  });
  // A node is two dependent loads: a lap is 2 x blocks steps of the chase.
  time_chase(state, f.start, 2 * blocks, blocks * 2 * 64);
  state.counters["distance_bytes"] = static_cast<double>(D);
}

using Counter = std::atomic<std::uint64_t>;

__attribute__((noinline)) void bump(Counter& c, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) c.fetch_add(1, std::memory_order_relaxed);
}

template <std::size_t D>
void false_share(benchmark::State& state, std::size_t n) {
  alignas(512) static char area[1024];
  auto* a = new (area) Counter(0);
  auto* b = new (area + D) Counter(0);
  Team team(1);
  const std::function<void(std::size_t)> work = [&](std::size_t worker) { bump(worker ? *b : *a, n); };
  std::uint64_t rounds = 0;
  auto once = [&] {
    team.run(work);
    ++rounds;
  };
  {
    CounterScope scope(state, {n, D + sizeof(Counter)}, once);
    for (auto _ : state) once();
  }
  if (a->load() != rounds * n || b->load() != rounds * n) state.SkipWithError("an increment was lost");
  state.counters["distance_bytes"] = static_cast<double>(D);
  state.counters["helper_cpu"] = team.cpus().front();
}

template <std::size_t D>
Case pair_case() {
  return {.name = "pair_chase_" + std::to_string(D),
          .summary = "a chase whose second word per node lies " + std::to_string(D) + " bytes before the first",
          .peak_bytes_per_element = kBlock + 16.0,
          .fn = &pair_chase<D>,
          .label = "d = " + std::to_string(D),
          .series = "two loads d bytes apart",
          .axis = {"distance_bytes", "distance between the two words (bytes)"},
          .unit = {"load", 8},
          .ladder = &blocks_ladder,
          .not_simulated = "the simulator has no prefetcher and a known line: it shows the geometry it was given"};
}

template <std::size_t D>
Case share_case() {
  return {.name = "false_share_" + std::to_string(D),
          .summary = "two threads incrementing counters " + std::to_string(D) + " bytes apart",
          .peak_bytes_per_element = 0,
          .fn = &false_share<D>,
          .label = "d = " + std::to_string(D),
          .series = "two counters d bytes apart",
          .axis = {"distance_bytes", "distance between the two counters (bytes)"},
          .unit = {"increment", 0},
          .statistic = Statistic::median,
          .ladder = &increments_ladder,
          .not_simulated = "a one-core cache simulation has no coherence traffic",
          .unavailable = &second_cpu_unavailable};
}

const bool kRegistered = add_family({
    .name = "line_size",
    .title = "The cache line size",
    .order = 160,
    .demonstrates = "The cache line size read off the data two ways: a chase whose nodes are two words d "
                    "bytes apart (d = 8 ... 512), and two threads incrementing counters d bytes apart.",
    .expected = "The chase costs the same per load while both words share a line and steps up once d reaches "
                "the line size; the two threads slow each other down while their counters share a line and "
                "run undisturbed from a line apart. Both steps are at the line size the machine reports.",
    .unit = {"load", 8},
    .size_name = "blocks of 1 KiB (pair chase) or increments per thread (false sharing)",
    .cases = {pair_case<8>(), pair_case<16>(), pair_case<32>(), pair_case<64>(), pair_case<128>(),
              pair_case<256>(), pair_case<512>(), share_case<8>(), share_case<16>(), share_case<32>(),
              share_case<64>(), share_case<128>(), share_case<256>()},
    .claims = {{.kind = "hook", .says = "both methods find the line size the machine reports",
                .cases = {"pair_chase_8", "false_share_8"}, .hook = "line_size"},
               // The floor (counters in one line cost at least twice counters
               // a line apart) is false_sharing's claim; here the ceiling.
               {.kind = "ratio",
                .says = "counters in one line cost per increment at most two of the run's own hand-overs "
                        "(core_to_core/two_cores, a line passed from one core to the other): where the line "
                        "passed at every increment, each thread's increment would wait for it to come and for "
                        "the other's increment to take it away, and no increment costs more than that (a "
                        "physical limit, not a typical value, with 25% slack); how far below it is how many "
                        "increments a core makes before the other takes the line",
                .cases = {"false_share_8", "false_share_256"}, .max = 2.5,
                .per = {"core_to_core/two_cores", "false_share_256"}}},
    .statistic = Statistic::minimum,
    .cycles = true,
});

}  // namespace
}  // namespace locality
