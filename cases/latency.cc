// latency: load-to-use latency against working-set size, the curve that
// shows the memory hierarchy. Nodes lie one cache line apart and hold only
// the address of the next, so each load waits for the previous one (the
// method of lmbench's lat_mem_rd: dependent loads, unrolled). Three orders:
// random_chase (a random single cycle: every level's latency shows),
// sequential_chase (address order: the prefetcher hides the latency), and
// page_random_chase (pages in random order, lines in order inside a page:
// prefetching within a page, a TLB miss per page). A plot shows random_chase
// climbing in steps at each cache size, sequential_chase flat near the L1
// latency, and page_random_chase between them. Sizes are working sets from
// 4 KiB to 8x the last-level cache; the number in a name is the node count.
#include <memory>
#include <string>
#include <vector>

#include "cases/chase.h"
#include "cases/family.h"
#include "cases/timing.h"

namespace locality {
namespace {

std::vector<std::size_t> latency_ladder(std::size_t llc_bytes, bool quick) {
  constexpr std::size_t kLine = sizeof(LineNode);
  if (quick) {
    return {(16u << 10) / kLine, (256u << 10) / kLine, (4u << 20) / kLine,
            round_up_pow2(2 * llc_bytes) / kLine};
  }
  std::vector<std::size_t> nodes;
  for (std::size_t bytes = 4096; bytes <= round_up_pow2(8 * llc_bytes); bytes *= 2) {
    nodes.push_back(bytes / kLine);
  }
  return nodes;
}

struct ChaseFixture {
  std::vector<LineNode> nodes;
};

// Restarting every iteration from the first node made iterations
// independent, and the out-of-order core overlapped them (seen: 0.5 ns per
// load at 4 KiB, faster than an L1 hit): time_chase continues the chain.
void timed_chase(benchmark::State& state, std::size_t n, ChaseOrder order, const char* kind) {
  auto& f = FixtureSlot::get<ChaseFixture>(std::string("latency/") + kind + "/" + std::to_string(n), [n, order] {
    auto built = std::make_unique<ChaseFixture>();
    built->nodes.resize(n);
    link_cycle(built->nodes, order);
    return built;
  });
  time_chase(state, f.nodes.data(), n, n * sizeof(LineNode));
}

void random_chase(benchmark::State& s, std::size_t n) { timed_chase(s, n, ChaseOrder::random, "random"); }
void sequential_chase(benchmark::State& s, std::size_t n) {
  timed_chase(s, n, ChaseOrder::sequential, "sequential");
}
void page_random_chase(benchmark::State& s, std::size_t n) {
  timed_chase(s, n, ChaseOrder::page_random, "page_random");
}

const bool kRegistered = add_family({
    "latency",
    "Load-to-use latency: a chase through nodes one cache line apart, each load waiting for "
    "the previous one, in a random cycle, in address order, and with pages in random order but "
    "lines in order inside each page (prefetching within a page, a TLB miss per page).",
    "random_chase climbs in steps as the working set passes each cache size (about 1 ns in "
    "L1, a few ns in L2, tens in L3, around 100 ns in DRAM); sequential_chase stays near the "
    "L1 latency at every size; page_random_chase sits between them beyond L2.",
    {
        {"random_chase", "dependent loads through a random single cycle of 64-byte nodes", 80, &random_chase},
        {"sequential_chase", "dependent loads through 64-byte nodes in address order", 80, &sequential_chase},
        {"page_random_chase", "pages in random order, lines in order inside each page", 80, &page_random_chase},
    },
    &latency_ladder,
});

}  // namespace
}  // namespace locality
