// allocation: where the layouts of the other families come from. First the
// cost of getting memory: an object on the stack (free: the frame is already
// there) against `new`/`delete` per call; and allocation churn, a window of
// 64 live objects of 16 to 128 bytes where each step frees the oldest and
// allocates a new one, through glibc's malloc, a fixed-size pool, a
// std::pmr::unsynchronized_pool_resource, and a bump arena (which never
// frees: it is reset once per iteration). Then what a long-running heap does
// to locality: a list built by the same `new` loop on a fresh heap (nodes
// adjacent) and on a fragmented one, where every other block of a
// previous allocation was freed, in the order a program happened to free
// them, so the new nodes land in those holes, scattered. The layout of both
// lists is measured and recorded (gap_* counters). The number in a name is
// the objects allocated (or the list's nodes) per iteration.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/arena.h"
#include "core/family.h"
#include "core/layout.h"
#include "core/fixture.h"
#include "core/platform.h"
#include "core/pmr.h"
#include "core/pool.h"
#include "core/timing.h"

namespace locality {
namespace {

constexpr std::uint64_t kSeed = 0xa110c;
constexpr std::size_t kWindow = 64;
constexpr std::size_t kMaxObject = 128;

// The list cases hold 64 bytes of heap per node (theirs and a kept one), so
// the top size puts them at twice the last-level cache.
std::vector<std::size_t> objects_ladder(std::size_t llc_bytes, bool quick) {
  if (quick) return {4096, 65536};
  return {4096, 65536, std::max<std::size_t>(std::size_t{1} << 20, round_up_pow2(2 * llc_bytes / 64))};
}

struct Object {  // 64 bytes of state a call works on
  std::uint64_t field[8];
};

// Fills the object, lets it escape (so neither the object nor its
// allocation can be optimised away) and returns a value computed from it.
inline std::uint64_t use(Object* o, std::size_t i) {
  for (std::size_t k = 0; k < 8; ++k) o->field[k] = i + k;
  escape(o);
  return o->field[i & 7];
}

std::uint64_t expected_use(std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += i + (i & 7);
  return s;
}

template <bool Heap>
void object_per_call(benchmark::State& state, std::size_t n) {
  std::uint64_t got = 0;
  auto once = [&got, n] {
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if constexpr (Heap) {
        Object* o = new Object;
        s += use(o, i);
        delete o;
      } else {
        Object o;
        s += use(&o, i);
      }
    }
    got = s;
    escape(&got);
  };
  {
    CounterScope scope(state, {n, sizeof(Object)}, once);
    for (auto _ : state) once();
  }
  if (got != expected_use(n)) state.SkipWithError("a call returned the wrong value");
}

// The churn's objects take eight sizes in turn.
constexpr std::size_t kChurnSizes = 8;

// The size of the i-th object of the churn: 16 to 128 bytes.
constexpr std::size_t churn_size(std::size_t i) { return 16 * (1 + (i * 5) % kChurnSizes); }

// The churn's bytes per object on average: its eight sizes' mean.
constexpr std::size_t churn_bytes_per_object() {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < kChurnSizes; ++i) bytes += churn_size(i);
  return bytes / kChurnSizes;
}

// The bytes of 64-byte lines the churn dirties per object, where the bump
// arena hands out every object at a new address: the churn writes each
// object's first byte, so a line is dirtied where one object or more
// starts in it; lines inside a long object are never touched. The eight
// sizes' period (576 bytes) is nine whole lines, and the arena's buffer is
// line-aligned, so one period tells.
constexpr double churn_dirty_bytes_per_object() {
  std::size_t offset = 0;
  std::size_t lines = 0;
  for (std::size_t i = 0; i < kChurnSizes; ++i) {
    if (i == 0 || offset / kLineBytes != (offset - churn_size(i - 1)) / kLineBytes) ++lines;
    offset += churn_size(i);
  }
  return static_cast<double>(lines * kLineBytes) / kChurnSizes;
}
static_assert(churn_bytes_per_object() * kChurnSizes % kLineBytes == 0 && BumpArena::kBufferAlign % kLineBytes == 0,
              "one period of the churn's sizes is whole lines from a line boundary");

// The bytes of all n objects of the churn: what a bump arena that never
// reuses a block hands out in one iteration (the sizes are multiples of its
// 16-byte alignment, so nothing is padded).
std::size_t churn_bytes(std::size_t n) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) bytes += churn_size(i);
  return bytes;
}

// The bump arena's churn hands out every object at a new address, so its
// working set grows with the objects: its largest size puts it at four
// times the last-level cache (where bandwidth/write's ladder ends), past a
// last level larger than the one reported (a guest's host's).
std::vector<std::size_t> bump_ladder(std::size_t llc_bytes, bool quick) {
  std::vector<std::size_t> ladder = objects_ladder(llc_bytes, quick);
  if (!quick) ladder.back() = std::max(ladder.back(), round_up_pow2(4 * llc_bytes / churn_bytes_per_object()));
  return ladder;
}

// Runs the churn with `alloc(bytes)` and `release(p, bytes)`; returns the
// sum of the first byte written into every object.
template <typename Alloc, typename Release>
std::uint64_t churn(std::size_t n, Alloc&& alloc, Release&& release) {
  void* live[kWindow] = {};
  std::size_t live_size[kWindow] = {};
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t slot = i % kWindow;
    if (live[slot] != nullptr) {
      s += *static_cast<unsigned char*>(live[slot]);
      release(live[slot], live_size[slot]);
    }
    live_size[slot] = churn_size(i);
    live[slot] = alloc(live_size[slot]);
    *static_cast<unsigned char*>(live[slot]) = static_cast<unsigned char>(i);
    escape(live[slot]);
  }
  for (std::size_t k = 0; k < kWindow; ++k) {
    if (live[k] != nullptr) {
      s += *static_cast<unsigned char*>(live[k]);
      release(live[k], live_size[k]);
    }
  }
  return s;
}

std::uint64_t expected_churn(std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<unsigned char>(i);
  return s;
}

enum class Allocator { malloc, pool, pmr_pool, bump };

template <Allocator A>
void churn_case(benchmark::State& state, std::size_t n) {
  std::uint64_t got = 0;
  std::unique_ptr<FixedPool> pool;
#if LOCALITY_HAS_PMR
  std::unique_ptr<std::pmr::unsynchronized_pool_resource> pmr;
  if constexpr (A == Allocator::pmr_pool) pmr = std::make_unique<std::pmr::unsynchronized_pool_resource>();
#endif
  std::unique_ptr<BumpArena> arena;
  if constexpr (A == Allocator::pool) pool = std::make_unique<FixedPool>(kMaxObject, 16, kWindow);
  if constexpr (A == Allocator::bump) arena = std::make_unique<BumpArena>(n * kMaxObject);
  auto once = [&] {
    if constexpr (A == Allocator::malloc) {
      got = churn(n, [](std::size_t b) { return std::malloc(b); }, [](void* p, std::size_t) { std::free(p); });
    } else if constexpr (A == Allocator::pool) {
      got = churn(n, [&](std::size_t) { return pool->allocate(); }, [&](void* p, std::size_t) { pool->deallocate(p); });
    } else if constexpr (A == Allocator::pmr_pool) {
#if LOCALITY_HAS_PMR
      got = churn(n, [&](std::size_t b) { return pmr->allocate(b, 16); },
                  [&](void* p, std::size_t b) { pmr->deallocate(p, b, 16); });
#endif
    } else {
      got = churn(n, [&](std::size_t b) { return arena->allocate(b, 16); }, [](void*, std::size_t) {});
      arena->reset();
    }
    escape(&got);
  };
  // The arena's pages are touched once before the timing: at the largest
  // size one iteration is all a repetition runs, and it would otherwise
  // time the kernel's first-touch page faults, not the caches.
  if constexpr (A == Allocator::bump) once();
  {
    // The live objects' bytes, except for the bump arena, whose working set
    // is every object it handed out: it grows with n.
    CounterScope scope(state, {n, A == Allocator::bump ? churn_bytes(n) : kWindow * kMaxObject}, once);
    for (auto _ : state) once();
  }
  if (got != expected_churn(n)) state.SkipWithError("the churn lost an object");
}

// A list of `new`-allocated nodes and the blocks of an earlier phase kept
// alive around it.
struct HeapList {
  std::vector<std::unique_ptr<Node>> kept;
  std::unique_ptr<OwnedList> list;
};

// Heap bytes per node of the lists: its chunk, and the kept block of the
// earlier phase beside it.
std::size_t list_heap_bytes() { return 2 * allocation_footprint(sizeof(Node)); }

template <bool Fragmented>
void list_sum(benchmark::State& state, std::size_t n) {
  auto& list = Fixtures::get<HeapList>(
      std::string("allocation/") + (Fragmented ? "fragmented/" : "fresh/") + std::to_string(n),
      n * list_heap_bytes(), [n] {
        auto built = std::make_unique<HeapList>();
        if (Fragmented) {
          // An earlier phase of the program: 2n blocks, then every other one
          // freed, in an order of its own (here: random).
          std::vector<Node*> blocks(2 * n);
          for (auto& p : blocks) p = new Node{nullptr, 0};
          std::vector<Node*> freed;
          freed.reserve(n);
          for (std::size_t i = 0; i < 2 * n; ++i) {
            if (i % 2) {
              freed.push_back(blocks[i]);
            } else {
              built->kept.emplace_back(blocks[i]);
            }
          }
          std::shuffle(freed.begin(), freed.end(), std::mt19937_64(kSeed));
          for (Node* p : freed) delete p;
        }
        built->list = list_in_allocation_order(n);
        return built;
      });
  record_layout(state, list.list->layout);
  time_traversal(state, {n, n * list_heap_bytes()}, [&list] {
    const Node* head = list.list->head;
    escape(head);
    return sum_list(head);
  });
}

Case object_case(const char* name, const char* summary, double peak, CaseFn fn) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = peak, .fn = fn,
          .unit = {"object", sizeof(Object)}};
}

const bool kRegistered = add_family({
    .name = "allocation",
    .title = "The cost of getting memory",
    .order = 50,
    .demonstrates = "The cost of getting memory (a 64-byte object on the stack or from new/delete per "
                    "call; churn of 16-128 byte objects through malloc, a pool, a std::pmr pool and a "
                    "bump arena) and what a fragmented heap does to a list built later by plain new.",
    .expected = "The stack object costs a few ns or less per call and new/delete several times more; in "
                "the churn the pool costs less per object than malloc, and so does the bump arena while it "
                "fits in the caches; an arena that is never reused outgrows them, and each object then "
                "costs several times what it cost while the arena fitted (its bytes now stream to "
                "memory). Whether that overtakes malloc, which keeps reusing a few hot blocks, depends on "
                "the machine's write bandwidth against malloc's bookkeeping. The list built "
                "on a fragmented heap is scattered (most steps leave the line) and costs several times "
                "the list built on a fresh heap once it outgrows the caches.",
    .unit = {"object", 64},
    .size_name = "objects (or list nodes) per iteration",
    .cases = {
        object_case("stack_object", "a 64-byte object on the stack per call", 0, &object_per_call<false>)
            .labelled("object on the stack"),
        object_case("heap_object", "a 64-byte object from new/delete per call", 0, &object_per_call<true>)
            .labelled("object from new/delete"),
        object_case("churn_malloc", "64 live objects of 16-128 bytes, oldest freed per step: malloc/free", 0,
                    &churn_case<Allocator::malloc>).labelled("churn, malloc/free"),
        object_case("churn_pool", "the same churn from a fixed-size pool of 128-byte blocks", 0,
                    &churn_case<Allocator::pool>).labelled("churn, fixed-size pool"),
        needs_pmr(object_case("churn_pmr_pool", "the same churn from a std::pmr::unsynchronized_pool_resource", 0,
                              &churn_case<Allocator::pmr_pool>).labelled("churn, pmr pool")),
        object_case("churn_bump", "the same allocations from a bump arena, reset per iteration", kMaxObject + 8.0,
                    &churn_case<Allocator::bump>)
            .labelled("churn, bump arena")
            .laddered(&bump_ladder),
        {.name = "fresh_list_sum", .summary = "sum a list built by new on a fresh heap",
         .peak_bytes_per_element = 72, .fn = &list_sum<false>,
         .label = "list, fresh heap", .unit = {"element", sizeof(int)},
         .statistic = Statistic::minimum},
        {.name = "fragmented_list_sum", .summary = "sum a list built by new after every other block was freed",
         .peak_bytes_per_element = 136, .fn = &list_sum<true>,
         .label = "list, fragmented heap", .unit = {"element", sizeof(int)},
         .statistic = Statistic::minimum},
    },
    .claims = {
        {.kind = "ratio",
         .says = "a 64-byte object from new/delete costs 2x to 20x one on the stack: new and delete take the "
                 "allocator's per-thread fast path, some tens of instructions, where the stack object costs "
                 "only the writes to it",
         .cases = {"heap_object", "stack_object"}, .min = 2, .max = 20},
        {.kind = "ratio",
         .says = "in the churn malloc costs at least 2x per object what the pool costs: malloc and free run "
                 "tens of instructions over their bins, the pool pops and pushes one free-list link",
         .cases = {"churn_malloc", "churn_pool"}, .min = 2},
        {.kind = "ratio",
         .says = "and, while the arena fits in the caches (the smallest size), at least 2x what the bump arena "
                 "costs (one add)",
         .cases = {"churn_malloc", "churn_bump"}, .at = "first", .min = 2},
        {.kind = "growth",
         .says = "an arena that never reuses a block grows with every object: from the smallest size, where it "
                 "fits in the caches, to the largest, where it has left them, each object's cost grows at least "
                 "to what writing the lines it dirties costs (the run's own bandwidth/write for " +
                 std::to_string(static_cast<int>(churn_dirty_bytes_per_object())) +
                 " bytes an object, the lines that hold an object's first byte): each is read from memory and "
                 "written back, which no store streams faster than bandwidth/write (a physical limit, not a "
                 "typical value, with 25% slack)",
         .cases = {"churn_bump"}, .at = "first", .to = "last", .min = 0.8,
         .per = {"bandwidth/write", "churn_bump"}, .per_bytes = {churn_dirty_bytes_per_object(), NAN}},
        under_stream_ceiling("the list built on a fragmented heap costs over the one built on a fresh heap",
                             {"fragmented_list_sum", "fresh_list_sum"}, kHeapNodeChunkBytes,
                             "the fresh heap's 32-byte chunk per node (two nodes a line)",
                             "how far below it is the prefetcher's: some hundreds of times the fresh list "
                             "where it runs ahead of the chase, some tens where it restarts at every 4 KiB "
                             "page",
                             NAN, "elements"),
    },
    .ladder = &objects_ladder,
});

}  // namespace
}  // namespace locality
