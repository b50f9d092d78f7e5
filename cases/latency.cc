// latency: load-to-use latency against working-set size, the curve that
// shows the memory hierarchy. Nodes lie one cache line apart and hold only
// the address of the next, so each load waits for the previous one (the
// method of lmbench's lat_mem_rd: dependent loads, unrolled). Four orders:
// random_chase (a random single cycle: every level's latency shows), the
// same over huge pages (no TLB misses at these sizes, so the cache steps
// show alone: the report detects the levels from it), sequential_chase
// (address order: the prefetcher streams the lines ahead, and beyond the
// caches the chase is limited by bandwidth, 64 bytes per load), and
// page_random_chase (pages in random order, lines in order inside a page:
// the prefetcher starts again on every page). Sizes are working sets from
// 4 KiB to 8x the last-level cache; the number in a name is the node count.
// A chase's placement in physical memory decides which lines conflict in
// the physically indexed caches, so each repetition builds it anew.
#include <memory>
#include <string>
#include <vector>

#include "core/chase.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/pages.h"
#include "core/timing.h"

namespace locality {
namespace {

std::vector<std::size_t> latency_ladder(std::size_t llc_bytes, bool quick) {
  constexpr std::size_t kLine = sizeof(LineNode);
  if (quick) {
    return {(16u << 10) / kLine, (256u << 10) / kLine, (4u << 20) / kLine, round_up_pow2(2 * llc_bytes) / kLine};
  }
  std::vector<std::size_t> nodes;
  for (std::size_t bytes = 4096; bytes <= round_up_pow2(8 * llc_bytes); bytes *= 2) nodes.push_back(bytes / kLine);
  return nodes;
}

struct Chain {
  std::unique_ptr<PageBuffer> pages;
  LineNode* nodes = nullptr;
  std::optional<std::size_t> huge_bytes;
};

template <ChaseOrder Order, bool Huge>
void chase(benchmark::State& state, std::size_t n) {
  const std::size_t bytes = n * sizeof(LineNode);
  auto& f = Fixtures::fresh<Chain>("latency/chase", bytes, [n, bytes] {
    auto built = std::make_unique<Chain>();
    built->pages = std::make_unique<PageBuffer>(bytes, Huge);
    built->nodes = static_cast<LineNode*>(built->pages->data());
    link_cycle(built->nodes, n, Order);
    built->huge_bytes = built->pages->huge_bytes();
    return built;
  });
  time_chase(state, f.nodes, n, bytes);
  if (f.huge_bytes) {
    state.counters["huge_page_share"] =
        std::min(1.0, static_cast<double>(*f.huge_bytes) / static_cast<double>(bytes));
  }
}

Case chase_case(const char* name, const char* summary, CaseFn fn, const char* not_simulated = "",
                const char* gallery = "") {
  return {.name = name,
          .summary = summary,
          .peak_bytes_per_element = 80,
          .fn = fn,
          .not_simulated = not_simulated,
          .gallery = gallery};
}

const bool kRegistered = add_family({
    .name = "latency",
    .title = "Load latency in each cache level",
    .order = 60,
    .demonstrates = "Load-to-use latency: a chase through nodes one cache line apart, each load waiting "
                    "for the previous one, in a random cycle (over ordinary pages, and over huge pages "
                    "where the kernel grants them), in address order, and with pages in random order but "
                    "lines in order inside each page.",
    .expected = "random_chase climbs in steps as the working set passes each cache size (a few cycles "
                "in L1, about ten more in L2, tens of ns in the last level, around 100 ns or more in "
                "DRAM). sequential_chase stays far below it: the prefetcher fetches the lines ahead, "
                "and beyond the caches it is limited by bandwidth, 64 bytes per load. "
                "page_random_chase lies between them: the prefetcher starts again on every page.",
    .unit = {"load", sizeof(LineNode)},
    .size_name = "nodes (64-byte lines)",
    .cases = {
        chase_case("random_chase", "dependent loads through a random single cycle of 64-byte nodes",
                   &chase<ChaseOrder::random, false>, "", "latency")
            .labelled("random order")
            .simulated_by_default_run()
            .modelled({.kind = "random",
                       .parts = "in the transitions: the chase visits its lines in one fixed cycle, which "
                                "a least-recently-used cache evicts just before their turn, so it misses "
                                "more often than min(1, C/W) says"}),
        chase_case("random_chase_huge_pages",
                   "the same random cycle in memory advised to use 2 MiB pages (no TLB misses)",
                   &chase<ChaseOrder::random, true>,
                   "the simulator has no TLB: its misses equal random_chase's")
            .labelled("random order, huge pages")
            .modelled({.kind = "random", .page_walks = false,
                       .parts = "in the transitions, where the fixed cycle misses more than min(1, C/W) says"}),
        chase_case("sequential_chase", "dependent loads through 64-byte nodes in address order",
                   &chase<ChaseOrder::sequential, false>)
            .labelled("address order")
            .simulated_by_default_run()
            .modelled({.kind = "cyclic", .parts = "beyond L1: the prefetcher fetches the next lines before "
                                                  "the loads ask, so a load costs far less than a miss"}),
        chase_case("page_random_chase", "pages in random order, lines in order inside each page",
                   &chase<ChaseOrder::page_random, false>).labelled("random pages, lines in order"),
    },
    .claims = {
        {.kind = "growth",
         .says = "a random load costs 60x to 600x more beyond the last-level cache than in L1: L1 answers in "
                 "some 4 cycles (1 to 2 ns), DRAM in 60 to 150 ns, more where a virtual machine walks two "
                 "page tables",
         .cases = {"random_chase"}, .at = "in:L1", .to = "beyond:LLC", .min = 60, .max = 600},
        {.kind = "ratio",
         .says = "beyond the last-level cache the random chase costs 10x to 200x the sequential one: a miss "
                 "waits the whole trip to DRAM, while the prefetcher streams the next lines in, as far ahead "
                 "of the chase as the machine's prefetcher runs (tens of lines on some cores, a few on others)",
         .cases = {"random_chase", "sequential_chase"}, .at = "beyond:LLC", .min = 10, .max = 200},
        {.kind = "ratio",
         .says = "the page-random chase costs 1.5x to 15x the sequential one: a few misses a page, where the "
                 "prefetcher starts again, and the sequential chase's pace on the rest of its 64 lines",
         .cases = {"page_random_chase", "sequential_chase"}, .at = "beyond:LLC", .min = 1.5, .max = 15},
        {.kind = "ratio",
         .says = "and the random chase 5x to 50x the page-random one, which misses on a few lines a page, not "
                 "on every line",
         .cases = {"random_chase", "page_random_chase"}, .at = "beyond:LLC", .min = 5, .max = 50},
        {.kind = "ratio",
         .says = "the sequential chase never moves bytes faster than bandwidth/read (bandwidth bound)",
         .cases = {"sequential_chase", "bandwidth/read"}, .at = "beyond:LLC", .max = 1.05,
         .match = "working_set", .rate = true},
        {.kind = "hook", .says = "the cache levels read off the random chase's steps agree with the machine's",
         .cases = {"random_chase_huge_pages", "random_chase"}, .hook = "levels"},
    },
    .statistic = Statistic::minimum,
    .ladder = &latency_ladder,
    .cycles = true,
});

}  // namespace
}  // namespace locality
