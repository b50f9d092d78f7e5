// arena_nodes: the same singly linked list as scattered_nodes, with nodes
// from allocators that pack them: a bump arena and a fixed-size pool of our
// own, and std::pmr's monotonic_buffer_resource and unsynchronized_pool_
// resource behind std::pmr::list. Packed 16-byte nodes put four to a 64-byte
// line, so a traversal misses about once per four elements instead of once
// per element. A plot shows these lists well below the scattered list beyond
// the last-level cache. The build_* cases time building and destroying a
// list with each allocator against plain new/delete: the arena's allocation
// is a pointer bump and its release one free for the whole list.
#include <list>
#include <memory>
#include <vector>

#include "core/arena.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/pmr.h"
#include "core/pool.h"
#include "core/timing.h"

namespace locality {
namespace {

// Links `n` nodes obtained from `allocate()` in allocation order.
template <typename Allocate>
Node* build_list(std::size_t n, Allocate&& allocate) {
  Node* head = nullptr;
  Node** link = &head;
  for (std::size_t i = 0; i < n; ++i) {
    *link = new (allocate()) Node{nullptr, element_value(i)};
    link = &(*link)->next;
  }
  return head;
}

struct BumpList {
  explicit BumpList(std::size_t n) : arena(n * sizeof(Node)) {
    head = build_list(n, [this] { return arena.allocate(sizeof(Node), alignof(Node)); });
    layout = measure_layout(list_addresses(head));
  }
  BumpArena arena;
  Node* head = nullptr;
  LayoutStats layout;
};

struct PoolList {
  explicit PoolList(std::size_t n) : pool(sizeof(Node), alignof(Node), n) {
    head = build_list(n, [this] { return pool.allocate(); });
    layout = measure_layout(list_addresses(head));
  }
  FixedPool pool;
  Node* head = nullptr;
  LayoutStats layout;
};

template <typename Fixture>
Fixture& fixture(const char* kind, std::size_t n, std::size_t node_bytes) {
  return Fixtures::get<Fixture>(std::string("arena_nodes/") + kind + "/" + std::to_string(n), n * node_bytes,
                                [n] { return std::make_unique<Fixture>(n); });
}

template <typename Fixture>
void node_list_sum(benchmark::State& state, std::size_t n, const char* kind) {
  const Fixture& f = fixture<Fixture>(kind, n, sizeof(Node));
  record_layout(state, f.layout);
  time_traversal(state, {n, n * sizeof(Node)}, [&f] {
    const Node* head = f.head;
    escape(head);
    return sum_list(head);
  });
}

void bump_list_sum(benchmark::State& s, std::size_t n) { node_list_sum<BumpList>(s, n, "bump"); }
void pool_list_sum(benchmark::State& s, std::size_t n) { node_list_sum<PoolList>(s, n, "pool"); }

// The build cases time one whole life of a list per iteration: every
// allocation, linking, and the release of all nodes. One untimed life
// comes first, so that every case builds in memory the process already
// holds: the kernel's first touch of fresh pages (a fault per page, and a
// huge page or not by chance) is not the allocator's cost, and timed
// alone it put the arena's repetitions into two modes 5-10x apart.
template <typename BuildAndDestroy>
void time_build(benchmark::State& state, std::size_t n, std::size_t node_bytes,
                BuildAndDestroy&& build_and_destroy) {
  Fixtures::make_room(n * node_bytes);
  build_and_destroy();
  CounterScope scope(state, {n, n * node_bytes});
  for (auto _ : state) build_and_destroy();
}

void build_new(benchmark::State& state, std::size_t n) {
  time_build(state, n, sizeof(Node), [n] {
    Node* head = build_list(n, [] { return ::operator new(sizeof(Node)); });
    escape(head);
    while (head != nullptr) {
      Node* next = head->next;
      ::operator delete(head);
      head = next;
    }
  });
}

// The arena and the pool keep their one buffer from list to list, as a
// program that builds many lists does: a list's release is reset().
void build_bump(benchmark::State& state, std::size_t n) {
  Fixtures::make_room(n * sizeof(Node));
  BumpArena arena(n * sizeof(Node));
  time_build(state, n, sizeof(Node), [n, &arena] {
    arena.reset();
    Node* head = build_list(n, [&arena] { return arena.allocate(sizeof(Node), alignof(Node)); });
    escape(head);
  });
}

void build_pool(benchmark::State& state, std::size_t n) {
  Fixtures::make_room(n * sizeof(Node));
  FixedPool pool(sizeof(Node), alignof(Node), n);
  time_build(state, n, sizeof(Node), [n, &pool] {
    pool.reset();
    Node* head = build_list(n, [&pool] { return pool.allocate(); });
    escape(head);
  });
}


// The std::pmr cases, where the standard library has std::pmr; elsewhere
// stubs that never run: the cases say why (needs_pmr).
#if LOCALITY_HAS_PMR
// A std::pmr::list<int> node: two links and the int, padded to pointer size.
constexpr std::size_t kPmrNodeBytes =
    (2 * sizeof(void*) + sizeof(int) + alignof(void*) - 1) / alignof(void*) * alignof(void*);

template <typename Resource>
struct PmrList {
  explicit PmrList(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) list.push_back(element_value(i));
    layout = measure_container_layout(list);
  }
  Resource resource;
  std::pmr::list<int> list{&resource};
  LayoutStats layout;
};

template <typename Resource>
void pmr_list_sum(benchmark::State& state, std::size_t n, const char* kind) {
  const auto& f = fixture<PmrList<Resource>>(kind, n, kPmrNodeBytes);
  record_layout(state, f.layout);
  time_traversal(state, {n, n * kPmrNodeBytes}, [&f] {
    const std::pmr::list<int>* list = &f.list;
    escape(list);
    std::uint32_t s = 0;
    for (int x : *list) s += static_cast<std::uint32_t>(x);
    return s;
  });
}

void pmr_monotonic_list_sum(benchmark::State& s, std::size_t n) {
  pmr_list_sum<std::pmr::monotonic_buffer_resource>(s, n, "pmr_monotonic");
}
void pmr_pool_list_sum(benchmark::State& s, std::size_t n) {
  pmr_list_sum<std::pmr::unsynchronized_pool_resource>(s, n, "pmr_pool");
}

template <typename Resource>
void build_pmr(benchmark::State& state, std::size_t n) {
  time_build(state, n, kPmrNodeBytes, [n] {
    Resource resource;
    std::pmr::list<int> list(&resource);
    for (std::size_t i = 0; i < n; ++i) list.push_back(element_value(i));
    escape(&list);
  });
}

void build_pmr_monotonic(benchmark::State& s, std::size_t n) {
  build_pmr<std::pmr::monotonic_buffer_resource>(s, n);
}
void build_pmr_pool(benchmark::State& s, std::size_t n) { build_pmr<std::pmr::unsynchronized_pool_resource>(s, n); }
#else
void pmr_monotonic_list_sum(benchmark::State&, std::size_t) {}
void pmr_pool_list_sum(benchmark::State&, std::size_t) {}
void build_pmr_monotonic(benchmark::State&, std::size_t) {}
void build_pmr_pool(benchmark::State&, std::size_t) {}
#endif

Case list_case(const char* name, const char* summary, double peak, CaseFn fn, const char* label = "",
               Role role = Role::none) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = peak, .fn = fn, .label = label, .role = role,
          .model = {.kind = "list", .tolerance = 0.5,
                    .parts = "where the next node is in the next line and the prefetcher fetches it early"}};
}

Case build_case(const char* name, const char* summary, double peak, CaseFn fn, const char* label) {
  // the heap's work and page faults vary from one build to the next: median
  return {.name = name, .summary = summary, .peak_bytes_per_element = peak, .fn = fn, .label = label,
          .role = Role::build, .unit = {"node", sizeof(Node)}, .statistic = Statistic::median};
}

const bool kRegistered = add_family({
    .name = "arena_nodes",
    .title = "List nodes packed by allocators",
    .order = 40,
    .demonstrates = "The same linked list with nodes packed by an allocator: a bump arena, a fixed-size "
                    "pool, std::pmr::monotonic_buffer_resource and std::pmr::unsynchronized_pool_resource; "
                    "and the cost of building a list with each, against new/delete.",
    .expected = "Packed lists cost more than the vector but far less than the shuffled list beyond the "
                "last-level cache (about node size / line size misses per element instead of one); "
                "build_bump and build_pool cost less per node than build_new: they reuse one buffer "
                "(reset for each list) where new/delete calls the global allocator for every node.",
    .unit = {"element", sizeof(int)},
    .size_name = "elements",
    .cases = {
        list_case("bump_list_sum", "list with nodes from a bump arena, linked in allocation order", 40,
                  &bump_list_sum, "list, bump arena", Role::layout)
            .simulated_by_default_run(),
        list_case("pool_list_sum", "list with nodes from a fixed-size pool with a free list", 40, &pool_list_sum)
            .labelled("list, fixed-size pool"),
        needs_pmr(list_case("pmr_monotonic_list_sum", "std::pmr::list<int> on a monotonic_buffer_resource", 72,
                            &pmr_monotonic_list_sum).labelled("list, pmr monotonic")),
        needs_pmr(list_case("pmr_pool_list_sum", "std::pmr::list<int> on an unsynchronized_pool_resource", 72,
                            &pmr_pool_list_sum).labelled("list, pmr pool")),
        build_case("build_new", "build and free a list node by node with new/delete", 40, &build_new,
                   "new/delete per node"),
        build_case("build_bump", "build a list in a reused bump arena and release it at once", 24, &build_bump,
                   "bump arena"),
        build_case("build_pool", "build a list from a reused fixed-size pool and release it at once", 24, &build_pool,
                   "fixed-size pool"),
        needs_pmr(build_case("build_pmr_monotonic", "build and destroy a std::pmr::list on a monotonic resource",
                             64, &build_pmr_monotonic, "pmr monotonic")),
        needs_pmr(build_case("build_pmr_pool", "build and destroy a std::pmr::list on an unsynchronized pool", 64,
                             &build_pmr_pool, "pmr unsynchronized pool")),
    },
    .claims = {
        {.kind = "ratio",
         .says = "beyond the last-level cache the arena list costs 4x to 40x the vector: at least its 16-byte "
                 "nodes' 4x the bytes of an int, at most a small part of a miss per line of four nodes (the "
                 "prefetcher streams them in)",
         .cases = {"bump_list_sum", "heap_vector/sum"}, .at = "beyond:LLC", .min = 4, .max = 40},
        under_stream_ceiling("the shuffled list costs over the arena list", {"scattered_nodes/list_sum", "bump_list_sum"},
                             sizeof(Node), "the arena's 16-byte node (four nodes a line)",
                             "how far below it is the prefetcher's, which streams the arena's lines in ahead "
                             "of the chase or restarts at every 4 KiB page",
                             NAN, "elements"),
        // In L2, not at the largest size: beyond the last level the arena's
        // and the pool's nodes stream to memory too, which the instructions
        // do not count, and the ratios fall by how fast this machine's
        // memory takes them.
        {.kind = "ratio",
         .says = "in L2, where only the instructions differ, building with new/delete costs 10x to 40x per node "
                 "what the bump arena costs: new and delete run some tens of instructions each on the "
                 "allocator's fast path (40 to 100 cycles a node with the node's stores), the bump arena an add "
                 "and a compare (2.5 to 4 cycles with them)",
         .cases = {"build_new", "build_bump"}, .at = "in:L2", .min = 10, .max = 40},
        {.kind = "ratio",
         .says = "and 8x to 30x what the pool costs (its free list: a load and a store per node, 3 to 5 cycles "
                 "with the node's stores)",
         .cases = {"build_new", "build_pool"}, .at = "in:L2", .min = 8, .max = 30},
        {.kind = "value", .says = "new/delete allocates once per node",
         .cases = {"build_new"}, .min = 0.99, .max = 1.01, .counter = "allocs_per_iter"},
        {.kind = "value", .says = "the bump arena not at all (its one buffer is reused)",
         .cases = {"build_bump"}, .max = 0.01, .counter = "allocs_per_iter"},
    },
    .statistic = Statistic::minimum,
});

}  // namespace
}  // namespace locality
