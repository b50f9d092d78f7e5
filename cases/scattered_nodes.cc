// scattered_nodes: linked structures whose nodes are separate heap
// allocations. Each step of a traversal loads the next node's address from
// the current node, so loads cannot overlap, and when consecutive nodes lie
// far apart every step is a cache miss: one line loaded per 4-byte element.
// A plot shows these cases close to the vector while everything fits in L1,
// then climbing steeply once the nodes leave the last-level cache. The
// "fresh" list is the classic pitfall: allocated in order on a fresh heap,
// its nodes happen to be adjacent, and it looks far better than a scattered
// list (its measured layout is recorded beside its time).
#include <algorithm>
#include <list>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "core/family.h"
#include "core/layout.h"
#include "core/fixture.h"
#include "core/platform.h"
#include "core/timing.h"

namespace locality {
namespace {

constexpr std::uint64_t kSeed = 0x10ca1171;

// The same nodes, allocated in order but linked in a random order: the
// traversal jumps across the whole block of nodes at every step.
std::unique_ptr<OwnedList> build_shuffled(std::size_t n) {
  std::vector<Node*> nodes(n);
  for (auto& p : nodes) p = new Node{nullptr, 0};
  std::shuffle(nodes.begin(), nodes.end(), std::mt19937_64(kSeed));
  auto list = std::make_unique<OwnedList>();
  for (std::size_t i = n; i-- > 0;) {
    nodes[i]->value = element_value(i);
    nodes[i]->next = list->head;
    list->head = nodes[i];
  }
  // nodes[] is the visit order: measured without chasing the list (which
  // takes as long as a traversal).
  std::vector<std::uintptr_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = reinterpret_cast<std::uintptr_t>(nodes[i]);
  list->layout = measure_layout(order);
  return list;
}

std::size_t node_bytes() { return allocation_footprint(sizeof(Node)); }

void traverse_list(benchmark::State& state, std::size_t n, const OwnedList& list) {
  record_layout(state, list.layout);
  time_traversal(state, {n, n * node_bytes()}, [&list] {
    const Node* head = list.head;
    escape(head);
    return sum_list(head);
  });
}

void list_sum_fresh(benchmark::State& state, std::size_t n) {
  traverse_list(state, n,
                Fixtures::get<OwnedList>("scattered_nodes/fresh/" + std::to_string(n), n * node_bytes(),
                                         [n] { return list_in_allocation_order(n); }));
}

void list_sum(benchmark::State& state, std::size_t n) {
  traverse_list(state, n,
                Fixtures::get<OwnedList>("scattered_nodes/shuffled/" + std::to_string(n), n * node_bytes(),
                                         [n] { return build_shuffled(n); }));
}

struct StdList {
  std::list<int> list;
  LayoutStats layout;
};

// std::list built by push_back: on a fresh heap its nodes come out adjacent
// too; it is the everyday form of list_sum_fresh.
void std_list_sum(benchmark::State& state, std::size_t n) {
  const std::size_t bytes = allocation_footprint(sizeof(int) + 2 * sizeof(void*));
  auto& fixture = Fixtures::get<StdList>("scattered_nodes/std_list/" + std::to_string(n), n * bytes, [n] {
    auto built = std::make_unique<StdList>();
    for (std::size_t i = 0; i < n; ++i) built->list.push_back(element_value(i));
    built->layout = measure_container_layout(built->list);
    return built;
  });
  record_layout(state, fixture.layout);
  time_traversal(state, {n, n * bytes}, [&fixture] {
    const std::list<int>* list = &fixture.list;
    escape(list);
    std::uint32_t s = 0;
    for (int x : *list) s += static_cast<std::uint32_t>(x);
    return s;
  });
}

struct StdMap {
  std::map<std::uint32_t, int> map;
  LayoutStats layout;
};

// std::map with keys inserted in random order: each node is allocated when
// its key arrives, so the in-order traversal visits nodes in an order
// unrelated to their addresses, as in list_sum.
void std_map_sum(benchmark::State& state, std::size_t n) {
  // An rb-tree node: colour, parent, left, right, then the key and value.
  const std::size_t bytes = allocation_footprint(4 * sizeof(void*) + sizeof(std::pair<const std::uint32_t, int>));
  auto& fixture = Fixtures::get<StdMap>("scattered_nodes/std_map/" + std::to_string(n), n * bytes, [n] {
    std::vector<std::uint32_t> keys(n);
    std::iota(keys.begin(), keys.end(), 0u);
    std::shuffle(keys.begin(), keys.end(), std::mt19937_64(kSeed));
    auto built = std::make_unique<StdMap>();
    for (std::uint32_t k : keys) built->map.emplace(k, element_value(k));
    built->layout = measure_container_layout(built->map);
    return built;
  });
  record_layout(state, fixture.layout);
  time_traversal(state, {n, n * bytes}, [&fixture] {
    const std::map<std::uint32_t, int>* map = &fixture.map;
    escape(map);
    std::uint32_t s = 0;
    for (const auto& kv : *map) s += static_cast<std::uint32_t>(kv.second);
    return s;
  });
}

// A hop to another line costs a random access, a hop inside the line an L1
// load: the textbook list, without a prefetcher.
const Model kListModel = {.kind = "list", .tolerance = 0.5,
                          .parts = "where the next node is in the next line and the prefetcher fetches it early"};

const bool kRegistered = add_family({
    .name = "scattered_nodes",
    .title = "List nodes scattered over the heap",
    .order = 30,
    .demonstrates = "Linked structures of separately allocated heap nodes: each step loads the next "
                    "node's address from the current one, and shuffled links put consecutive nodes "
                    "far apart.",
    .expected = "list_sum and std_map_sum climb far above heap_vector once the nodes leave the "
                "last-level cache (about one cache miss per element); list_sum_fresh and "
                "std_list_sum, whose nodes happen to be adjacent on a fresh heap, stay far below the "
                "shuffled list: a few times the vector, which moves a fraction of their bytes.",
    .unit = {"element", sizeof(int)},
    .size_name = "elements",
    .cases = {
        {.name = "list_sum_fresh",
         .summary = "singly linked list, nodes allocated and linked in order (adjacent: the pitfall)",
         .peak_bytes_per_element = 48, .fn = &list_sum_fresh, .label = "list, new per node, fresh heap",
         .role = Role::layout, .simulated_by_default = true, .model = kListModel},
        {.name = "list_sum", .summary = "the same list linked in a shuffled order (truly scattered)",
         .peak_bytes_per_element = 64, .fn = &list_sum, .label = "list, new per node, shuffled",
         .role = Role::layout, .simulated_by_default = true, .gallery = "scattered", .model = kListModel},
        {.name = "std_list_sum", .summary = "std::list<int> built by push_back on a fresh heap",
         .peak_bytes_per_element = 48, .fn = &std_list_sum, .label = "std::list", .model = kListModel},
        {.name = "std_map_sum", .summary = "std::map traversed in key order, keys inserted in random order",
         .peak_bytes_per_element = 80, .fn = &std_map_sum, .label = "std::map", .max_elements = std::size_t{1} << 22,
         .max_elements_why = "building the map by random inserts takes seconds per million nodes; 4 Mi "
                             "nodes of 48 bytes are already 192 MiB, beyond the last-level cache of "
                             "most machines"},
    },
    .claims = {
        // How many times the vector the list costs is the machine's latency
        // times its bandwidth (some hundreds to some thousands over current
        // machines): the bound comes from this run's own random chase and
        // read bandwidth, so that it can say no on any of them.
        {.kind = "ratio",
         .says = "beyond the last-level cache the shuffled list costs over the vector what a random load costs "
                 "over 4 bytes at the read bandwidth (the run's own random chase at the list's working set and "
                 "bandwidth/read at the vector's), within 2x either way: a miss's whole trip to DRAM per node "
                 "against 4 bytes streamed",
         .cases = {"list_sum", "heap_vector/sum"}, .at = "beyond:LLC", .min = 0.5, .max = 2,
         .match = "largest", .per = {"latency/random_chase", "bandwidth/read"}, .per_bytes = {NAN, sizeof(int)}},
        // The list's cost is the machine's cost of a random load at that working
        // set: where the list moves between runs, the chase over as many bytes
        // must move with it, or something else is at work.
        {.kind = "ratio",
         .says = "and what the random chase costs per load over as many bytes, within 2x either way: each "
                 "node is a miss and a page walk, as each of the chase's lines is",
         .cases = {"list_sum", "latency/random_chase"}, .at = "beyond:LLC", .min = 0.5, .max = 2,
         .match = "working_set"},
        // The fresh list is a chase through consecutive 32-byte chunks: how far
        // it trails the read bandwidth is the prefetcher's (one that runs
        // ahead of a chase streams its lines; one that restarts at every 4 KiB
        // page leaves a miss or two per 128 nodes); the ceiling is not.
        under_stream_ceiling("the shuffled list costs over the fresh list", {"list_sum", "list_sum_fresh"},
                             kHeapNodeChunkBytes, "the fresh list's 32-byte chunk per node (two nodes a line)",
                             "how far below it is the prefetcher's: some hundreds of times the fresh list "
                             "where it runs ahead of the chase, some tens where it restarts at every 4 KiB "
                             "page",
                             NAN, "elements"),
        {.kind = "ratio",
         .says = "the fresh list costs 7.2x to 40x the vector: its 32-byte chunks are 8x the vector's bytes, "
                 "and the vector streams at the read bandwidth (a floor: a physical limit, not a typical "
                 "value, with 10% slack); up to 5x more where its chase waits on a prefetcher that falls "
                 "behind",
         .cases = {"list_sum_fresh", "heap_vector/sum"}, .at = "beyond:LLC", .min = 7.2, .max = 40},
        // Against the list at the same node count, not the vector: the map's
        // ladder stops at 4 Mi nodes, where the vector (16 MiB) is still in
        // the caches, so a comparison with it was never decided.
        {.kind = "ratio",
         .says = "the randomly built std::map costs 0.8x to 2x the shuffled list per element: a miss per "
                 "element as well (an in-order walk reaches each node once from above; its climbs back "
                 "up revisit nodes just touched)",
         .cases = {"std_map_sum", "list_sum"}, .at = "beyond:LLC", .min = 0.8, .max = 2},
    },
    .statistic = Statistic::minimum,
});

}  // namespace
}  // namespace locality
