// scattered_nodes: linked structures whose nodes are separate heap
// allocations. Each step of a traversal loads the next node's address from
// the current node, so loads cannot overlap, and when consecutive nodes lie
// far apart every step is a cache miss: one line loaded per 4-byte element.
// A plot shows these cases close to the vector while everything fits in L1,
// then climbing steeply once the nodes leave the last-level cache. The
// "fresh" list is the classic pitfall: allocated in order on a fresh heap,
// its nodes happen to be adjacent, and it looks nearly as fast as a vector.
#include <malloc.h>

#include <algorithm>
#include <list>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "cases/family.h"
#include "cases/timing.h"

namespace locality {
namespace {

constexpr std::uint64_t kSeed = 0x10ca1171;

// Bytes a separate allocation of `bytes` really occupies in glibc's malloc:
// its usable size plus the 8-byte chunk header.
std::size_t malloc_footprint(std::size_t bytes) {
  void* p = std::malloc(bytes);
  const std::size_t footprint = malloc_usable_size(p) + sizeof(std::size_t);
  std::free(p);
  return footprint;
}

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
  list->layout = measure_layout(list_addresses(list->head));
  return list;
}

void traverse_list(benchmark::State& state, std::size_t n, const OwnedList& list) {
  record_layout(state, list.layout);
  time_traversal(state, {n, n * malloc_footprint(sizeof(Node))}, [&list] {
    const Node* head = list.head;
    escape(head);
    return sum_list(head);
  });
}

void list_sum_fresh(benchmark::State& state, std::size_t n) {
  traverse_list(state, n,
                FixtureSlot::get<OwnedList>("scattered_nodes/fresh/" + std::to_string(n),
                                            [n] { return list_in_allocation_order(n); }));
}

void list_sum(benchmark::State& state, std::size_t n) {
  traverse_list(state, n,
                FixtureSlot::get<OwnedList>("scattered_nodes/shuffled/" + std::to_string(n),
                                            [n] { return build_shuffled(n); }));
}

struct StdList {
  std::list<int> list;
  LayoutStats layout;
};

// std::list built by push_back: on a fresh heap its nodes come out adjacent
// too; it is the everyday form of list_sum_fresh.
void std_list_sum(benchmark::State& state, std::size_t n) {
  auto& fixture = FixtureSlot::get<StdList>("scattered_nodes/std_list/" + std::to_string(n), [n] {
    auto built = std::make_unique<StdList>();
    for (std::size_t i = 0; i < n; ++i) built->list.push_back(element_value(i));
    built->layout = measure_container_layout(built->list);
    return built;
  });
  record_layout(state, fixture.layout);
  const std::size_t node_bytes = malloc_footprint(sizeof(int) + 2 * sizeof(void*));
  time_traversal(state, {n, n * node_bytes}, [&fixture] {
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
  auto& fixture = FixtureSlot::get<StdMap>("scattered_nodes/std_map/" + std::to_string(n), [n] {
    std::vector<std::uint32_t> keys(n);
    std::iota(keys.begin(), keys.end(), 0u);
    std::shuffle(keys.begin(), keys.end(), std::mt19937_64(kSeed));
    auto built = std::make_unique<StdMap>();
    for (std::uint32_t k : keys) built->map.emplace(k, element_value(k));
    built->layout = measure_container_layout(built->map);
    return built;
  });
  record_layout(state, fixture.layout);
  // An rb-tree node: colour, parent, left, right, then the key and value.
  const std::size_t node_bytes =
      malloc_footprint(4 * sizeof(void*) + sizeof(std::pair<const std::uint32_t, int>));
  time_traversal(state, {n, n * node_bytes}, [&fixture] {
    const std::map<std::uint32_t, int>* map = &fixture.map;
    escape(map);
    std::uint32_t s = 0;
    for (const auto& kv : *map) s += static_cast<std::uint32_t>(kv.second);
    return s;
  });
}

const bool kRegistered = add_family({
    "scattered_nodes",
    "Linked structures of separately allocated heap nodes: each step loads the next node's "
    "address from the current one, and shuffled links put consecutive nodes far apart.",
    "list_sum and std_map_sum climb far above heap_vector once the nodes leave the last-level "
    "cache (about one cache miss per element); list_sum_fresh and std_list_sum, whose nodes "
    "happen to be adjacent on a fresh heap, stay within a few times the vector.",
    {
        {"list_sum_fresh", "singly linked list, nodes allocated and linked in order (adjacent: the pitfall)", 48, &list_sum_fresh},
        {"list_sum", "the same list linked in a shuffled order (truly scattered)", 64, &list_sum},
        {"std_list_sum", "std::list<int> built by push_back on a fresh heap", 48, &std_list_sum},
        {"std_map_sum", "std::map traversed in key order, keys inserted in random order", 80,
         &std_map_sum, std::size_t{1} << 22,
         "building the map by random inserts takes minutes beyond that (4 Mi nodes already "
         "fill 6x a 32 MiB cache)"},
    },
});

}  // namespace
}  // namespace locality
