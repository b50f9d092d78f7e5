// mlp: memory-level parallelism. k independent pointer chases interleaved
// in one loop, k = 1 ... 32, through one random cycle of 64-byte nodes far
// larger than the last-level cache: the chases start at evenly spaced
// places of the cycle, so every step of every chase is a miss to memory,
// but the k misses of one round do not depend on each other and the core
// keeps them in flight together. The time per load falls with k until the
// core's miss buffers are full, then stays flat: by Little's law the number
// of misses in flight is the latency of one load (k = 1) over the time per
// load on the plateau. The number in a name is the node count; an
// iteration runs `elements` loads in all (k chases times their steps).
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/chase.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/timing.h"

namespace locality {
namespace {

// Eight times the last-level cache: a random step almost never hits it.
std::vector<std::size_t> nodes_ladder(std::size_t llc_bytes, bool quick) {
  return {round_up_pow2((quick ? 2 : 8) * llc_bytes) / sizeof(LineNode)};
}

struct Cycle {
  std::vector<LineNode> nodes;
  std::vector<std::uint32_t> order;  // the visit order: order[i] is the node at position i
};

Cycle& cycle(std::size_t n) {
  return Fixtures::get<Cycle>("mlp/" + std::to_string(n), n * (sizeof(LineNode) + 4), [n] {
    auto built = std::make_unique<Cycle>();
    built->nodes.resize(n);
    link_cycle(built->nodes.data(), n, ChaseOrder::random);
    built->order.resize(n);
    const LineNode* p = built->nodes.data();
    for (std::size_t i = 0; i < n; ++i, p = p->next) {
      built->order[i] = static_cast<std::uint32_t>(p - built->nodes.data());
    }
    return built;
  });
}

// k chases advanced together, one step each per round; the pointers stay in
// registers as far as there are registers (the compiler unrolls for a
// constant K).
template <std::size_t K>
__attribute__((noinline)) void chase_together(std::array<const LineNode*, K>& at, std::size_t rounds) {
  std::array<const LineNode*, K> p = at;
  for (std::size_t r = 0; r < rounds; ++r) {
    for (std::size_t j = 0; j < K; ++j) p[j] = p[j]->next;
  }
  at = p;
}

template <std::size_t K>
void chains(benchmark::State& state, std::size_t n) {
  Cycle& c = cycle(n);
  // At least 64 Ki loads an iteration, and no chase laps the next one.
  const std::size_t rounds = std::min<std::size_t>(std::max<std::size_t>(1, (std::size_t{1} << 16) / K), n / K);
  std::array<const LineNode*, K> at{};
  std::array<std::size_t, K> start{};
  for (std::size_t j = 0; j < K; ++j) {
    start[j] = j * (n / K);
    at[j] = &c.nodes[c.order[start[j]]];
  }
  std::size_t steps = 0;
  {
    CounterScope scope(state, {K * rounds, n * sizeof(LineNode)}, [&] {
      auto warm = at;
      chase_together<K>(warm, rounds);
    });
    for (auto _ : state) {
      chase_together<K>(at, rounds);
      escape(at.data());
      steps += rounds;
    }
  }
  state.counters["chains"] = static_cast<double>(K);
  // Every chase must be exactly `steps` nodes further along the cycle.
  for (std::size_t j = 0; j < K; ++j) {
    if (at[j] != &c.nodes[c.order[(start[j] + steps) % n]]) {
      state.SkipWithError("a chase is not where the cycle says it must be");
      return;
    }
  }
}

template <std::size_t K>
Case chains_case() {
  return {.name = "chains_" + std::to_string(K),
          .summary = std::to_string(K) + " independent chases through the cycle, a step of each per round",
          .peak_bytes_per_element = 72,
          .fn = &chains<K>,
          .label = "k = " + std::to_string(K),
          .series = "k independent chases",
          .axis = {"chains", "independent chases interleaved (k)"},
          .not_simulated = "a cache simulation has no misses in flight: every k gives the same misses per load",
          .model = {.kind = "little", .tolerance = 0.5,
                    .parts = "where k outgrows the core's miss buffers, or the page walks of k chases queue"}};
}

const bool kRegistered = add_family({
    .name = "mlp",
    .title = "Memory-level parallelism",
    .order = 140,
    .demonstrates = "Memory-level parallelism: k independent pointer chases interleaved in one loop (k = 1 "
                    "... 32), every load a miss to memory; the core overlaps the misses of different chases.",
    .expected = "The time per load falls as k grows, by 6x to 32x from one chase to the plateau, and "
                "stays flat once the core's miss buffers are full; the ratio of the one-chase time to the "
                "plateau is the number of misses the core keeps in flight (Little's law: latency x "
                "throughput).",
    .unit = {"load", sizeof(LineNode)},
    .size_name = "nodes (64-byte lines)",
    .cases = {chains_case<1>(), chains_case<2>(), chains_case<4>(), chains_case<6>(), chains_case<8>(),
              chains_case<12>(), chains_case<16>(), chains_case<24>(), chains_case<32>()},
    .claims = {{.kind = "ratio",
                .says = "one chase costs 6x to 40x per load what 32 interleaved chases cost: a current core "
                        "keeps at least 6 misses in flight, and 32 chases overlap at most 32 (25% slack for "
                        "the noise of the one chase)",
                .cases = {"chains_1", "chains_32"}, .min = 6, .max = 40},
               // Two-sided: where 32 chases are much cheaper than 24, the core keeps more
               // than 24 misses in flight and the curve has not reached its plateau (24:
               // current x86 cores keep some 16 to 24 misses to memory in flight).
               {.kind = "ratio",
                .says = "32 chases cost what 24 cost per load, within 20% either way (the plateau: more chases "
                        "add no misses in flight)",
                .cases = {"chains_32", "chains_24"}, .min = 0.8, .max = 1.2}},
    .statistic = Statistic::minimum,
    .ladder = &nodes_ladder,
    .cycles = true,
});

}  // namespace
}  // namespace locality
