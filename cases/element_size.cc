// element_size: Drepper's list walk ("What Every Programmer Should Know
// About Memory", section 3.3.2). Nodes hold the address of the next node and
// NPAD words of padding (NPAD 0, 7, 15, 31: nodes of 8, 64, 128 and 256
// bytes), laid out in one array and linked in address order (sequential) or
// in a random single cycle (random). The walk reads only the link, so larger
// nodes carry more unused bytes per element: a plot shows the cost per
// element equal for all sizes while the working set fits in L1, then
// sequential walks of larger nodes falling behind as each line holds fewer
// nodes and the prefetcher runs out of bandwidth, and random walks paying a
// full miss per node beyond each cache for every node size. The number in a
// name is the node count; working sets run from 16 KiB to 2x the last-level
// cache for every node size.
#include <memory>
#include <string>
#include <vector>

#include "core/chase.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/layout.h"
#include "core/timing.h"

namespace locality {
namespace {

template <int Npad>
struct PadNode {
  PadNode* next;
  long pad[Npad];
};
template <>
struct PadNode<0> {
  PadNode* next;
};

std::vector<std::size_t> bytes_ladder(std::size_t llc_bytes, bool quick) {
  if (quick) return {16u << 10, 4u << 20};
  std::vector<std::size_t> bytes;
  const std::size_t top = round_up_pow2(2 * llc_bytes);
  for (std::size_t b = 16u << 10; b < top; b *= 4) bytes.push_back(b);
  bytes.push_back(top);
  return bytes;
}

template <int Npad>
std::vector<std::size_t> node_ladder(std::size_t llc_bytes, bool quick) {
  std::vector<std::size_t> nodes;
  for (std::size_t b : bytes_ladder(llc_bytes, quick)) nodes.push_back(b / sizeof(PadNode<Npad>));
  return nodes;
}

template <int Npad>
struct Walk {
  std::vector<PadNode<Npad>> nodes;
};

template <int Npad, ChaseOrder Order>
void walk(benchmark::State& state, std::size_t n) {
  using N = PadNode<Npad>;
  const std::string key = "element_size/" + std::to_string(Npad) + "/" +
                          std::to_string(static_cast<int>(Order)) + "/" + std::to_string(n);
  auto& f = Fixtures::get<Walk<Npad>>(key, n * sizeof(N), [n] {
    auto built = std::make_unique<Walk<Npad>>();
    built->nodes.resize(n);
    const auto next = cycle_successors(n, Order, 4096 / sizeof(N));
    for (std::size_t i = 0; i < n; ++i) built->nodes[i].next = &built->nodes[next[i]];
    return built;
  });
  time_chase(state, f.nodes.data(), n, n * sizeof(N));
  state.counters["node_bytes"] = sizeof(N);
}

template <int Npad, ChaseOrder Order>
Case walk_case(const char* order_name) {
  const std::string bytes = std::to_string(sizeof(PadNode<Npad>));
  return {.name = std::string(order_name) + "_npad" + std::to_string(Npad),
          .summary = std::string(order_name) + " walk over " + bytes + "-byte nodes (NPAD " +
                     std::to_string(Npad) + ")",
          .peak_bytes_per_element = sizeof(PadNode<Npad>) + 24.0,
          .fn = &walk<Npad, Order>,
          .label = std::string(Order == ChaseOrder::sequential ? "in order" : "random") + ", " + bytes + "-byte nodes",
          .unit = {"node", sizeof(PadNode<Npad>)},
          .ladder = &node_ladder<Npad>,
          .model = Order == ChaseOrder::sequential
                       ? Model{.kind = "stream", .bytes = sizeof(void*), .stride = sizeof(PadNode<Npad>),
                               .tolerance = 0.5,
                               .parts = "in the caches, where each load waits for the one before (a chase)"}
                       : Model{.kind = "random"}};
}

// The random walk over nodes of a line or more costs a miss per node, what
// the run's own random chase costs per load; the sequential walk at least
// the line that holds each node's link, at the read bandwidth. So random
// over sequential is at most the chase's latency over a line at
// bandwidth/read, measured in the same run (some tens on current machines):
// the ceiling is physics; how far below it the walk lands is the
// prefetcher's.
Claim against_stream(int npad, const std::string& below, double low = NAN) {
  const std::string pad = std::to_string(npad);
  return under_stream_ceiling("the random walk over NPAD " + pad + " nodes costs over the sequential one",
                              {"random_npad" + pad, "sequential_npad" + pad}, kLineBytes,
                              "the line that holds each node's link", below, low);
}

const bool kRegistered = add_family({
    .name = "element_size",
    .title = "Node size in a list walk",
    .order = 70,
    .demonstrates = "Drepper's list walk: nodes of 8, 64, 128 and 256 bytes (a link and NPAD 0, 7, 15 or "
                    "31 words of padding), walked in address order and in a random cycle; only the link "
                    "is read.",
    .expected = "All node sizes cost about the same per node while the working set fits in L1. Beyond "
                "it, the sequential walk costs more per node the larger the node (fewer nodes per line, "
                "more bytes to stream), and the random walk costs a miss per node at every node size, "
                "far above the sequential walk of small nodes; for nodes of two or four lines the gap "
                "is the machine's prefetcher's: tens of times where it streams the walk's lines in, "
                "down to less than twice where it does not follow the walk.",
    .unit = {"node", 8},
    .size_name = "nodes",
    .cases = {
        walk_case<0, ChaseOrder::sequential>("sequential"),
        walk_case<7, ChaseOrder::sequential>("sequential"),
        walk_case<15, ChaseOrder::sequential>("sequential"),
        walk_case<31, ChaseOrder::sequential>("sequential"),
        walk_case<0, ChaseOrder::random>("random"),
        walk_case<7, ChaseOrder::random>("random"),
        walk_case<15, ChaseOrder::random>("random"),
        walk_case<31, ChaseOrder::random>("random"),
    },
    .claims = {
        {.kind = "spread", .says = "in L1 all eight walks cost the same per node, within 1.5x",
         .cases = {"sequential_npad0", "sequential_npad7", "sequential_npad15", "sequential_npad31",
                   "random_npad0", "random_npad7", "random_npad15", "random_npad31"},
         .at = "in:L1", .max = 1.5, .match = "working_set"},
        {.kind = "ratio",
         .says = "beyond the last-level cache the sequential walk over 256-byte nodes costs over the one over "
                 "8-byte nodes at least what a 64-byte line at the read bandwidth costs over it (the run's own "
                 "bandwidth/read): each 256-byte node's link lies in a line of its own, which no walk streams "
                 "faster than bandwidth/read (a physical limit, not a typical value, with 10% slack); more "
                 "where the prefetcher does not follow a stride of four lines",
         .cases = {"sequential_npad31", "sequential_npad0"}, .at = "beyond:LLC", .min = 0.9,
         .match = "working_set", .per = {"bandwidth/read", "sequential_npad0"}, .per_bytes = {kLineBytes, NAN}},
        // eight nodes share a line: the sequential walk is an L1 hit per node
        // whatever the prefetcher does, the random one a miss and a page walk
        {.kind = "ratio",
         .says = "beyond the last-level cache the random walk over NPAD 0 nodes costs 40x to 400x the "
                 "sequential one: a miss per node against an L1 hit per node, eight nodes a line",
         .cases = {"random_npad0", "sequential_npad0"}, .at = "beyond:LLC", .min = 40, .max = 400,
         .match = "working_set"},
        against_stream(7,
                       "and at least a quarter of it: a prefetcher that restarts at every 4 KiB page adds a "
                       "miss per 64 nodes, one that trails the chase part of a miss per node",
                       0.25),
        against_stream(15,
                       "how far below it is the prefetcher's, which may bring in the line beside each node's "
                       "too, or not follow a stride of two lines"),
        against_stream(31,
                       "how far below it is the prefetcher's, which may not follow a stride of four lines (a "
                       "miss per node, in a page already walked)"),
    },
    .statistic = Statistic::minimum,
});

}  // namespace
}  // namespace locality
