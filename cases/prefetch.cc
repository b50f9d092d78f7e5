// prefetch: software prefetch where the hardware prefetcher cannot help.
// A linked list whose nodes lie in a random order far beyond the
// last-level cache: walked plainly, every step waits for a miss; with a
// jump pointer in every node (the node eight steps ahead) the walk asks for
// that node early (__builtin_prefetch), so up to eight misses overlap.
// And an array walked in an irregular but computable order (a hash of the
// position): no stride for the hardware to follow, but the program can
// prefetch the element it will need some steps ahead. The number in a name
// is the element count; the time is per element visited.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/family.h"
#include "core/fixture.h"
#include "core/layout.h"
#include "core/timing.h"

namespace locality {
namespace {

constexpr std::size_t kAhead = 8;  // nodes (or steps) ahead a prefetch reaches
constexpr std::uint64_t kSeed = 0x9ef1c4;

// Eight times the last-level cache for both: the list's nodes are 32
// bytes, the array's ints 4.
std::vector<std::size_t> nodes_ladder(std::size_t llc_bytes, bool quick) {
  return {round_up_pow2((quick ? 2 : 8) * llc_bytes) / 32};
}
std::vector<std::size_t> ints_ladder(std::size_t llc_bytes, bool quick) {
  return {round_up_pow2((quick ? 2 : 8) * llc_bytes) / sizeof(int)};
}

struct JumpNode {
  JumpNode* next;
  JumpNode* jump;  // the node kAhead steps further along the list
  std::int64_t value;
  std::int64_t pad;
};
static_assert(sizeof(JumpNode) == 32);

struct JumpList {
  std::vector<JumpNode> nodes;
  JumpNode* head = nullptr;
};

JumpList& jump_list(std::size_t n) {
  return Fixtures::get<JumpList>("prefetch/list/" + std::to_string(n), n * (sizeof(JumpNode) + 8), [n] {
    auto built = std::make_unique<JumpList>();
    built->nodes.resize(n);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), std::mt19937_64(kSeed));
    for (std::size_t i = 0; i < n; ++i) {
      JumpNode& node = built->nodes[order[i]];
      node.next = i + 1 < n ? &built->nodes[order[i + 1]] : nullptr;
      node.jump = &built->nodes[order[std::min(i + kAhead, n - 1)]];
      node.value = element_value(i);
    }
    built->head = &built->nodes[order[0]];
    return built;
  });
}

template <bool Prefetch>
__attribute__((noinline)) std::uint32_t walk_list(const JumpNode* p) {
  std::uint32_t sum = 0;
  for (; p != nullptr; p = p->next) {
    if constexpr (Prefetch) __builtin_prefetch(p->jump);
    sum += static_cast<std::uint32_t>(p->value);
  }
  return sum;
}

template <bool Prefetch>
void list(benchmark::State& state, std::size_t n) {
  JumpList& l = jump_list(n);
  time_traversal(state, {n, n * sizeof(JumpNode)}, [&l] {
    const JumpNode* head = l.head;
    escape(head);
    return walk_list<Prefetch>(head);
  });
}

// The position the i-th step visits, for n = mask + 1 a power of two and
// shift half its bits: a permutation of 0..n-1 with no stride to follow.
// Every step maps k-bit numbers onto k-bit numbers one to one (a product
// with an odd number modulo 2^k, an xor with the number shifted right), so
// the walk visits each position once. (A hash of all 64 bits masked down
// afterwards is no permutation: it visited 64% of the positions.)
inline std::size_t scatter(std::size_t i, std::size_t mask, unsigned shift) {
  std::uint64_t x = (i * 0x9e3779b97f4a7c15ull) & mask;
  x ^= x >> shift;
  x = (x * 0xd6e8feb86659fd93ull) & mask;
  x ^= x >> shift;
  return static_cast<std::size_t>(x);
}

unsigned half_the_bits(std::size_t n) {
  unsigned bits = 0;
  while ((std::size_t{1} << bits) < n) ++bits;
  return std::max(1U, bits / 2);
}

struct Ints {
  std::vector<int> a;
  std::uint32_t sum = 0;  // what one walk must return
};

template <bool Prefetch>
__attribute__((noinline)) std::uint32_t walk_array(const int* a, std::size_t n) {
  const std::size_t mask = n - 1;
  const unsigned shift = half_the_bits(n);
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (Prefetch) __builtin_prefetch(a + scatter(i + 4 * kAhead, mask, shift));
    sum += static_cast<std::uint32_t>(a[scatter(i, mask, shift)]);
  }
  return sum;
}

template <bool Prefetch>
void array(benchmark::State& state, std::size_t n) {
  const std::size_t elements = round_up_pow2(n);
  Ints& f = Fixtures::get<Ints>("prefetch/array/" + std::to_string(elements), elements * sizeof(int), [elements] {
    auto built = std::make_unique<Ints>();
    built->a.resize(elements);
    // what a walk that visits every element once must return: the sum in
    // address order, not the walk's own result
    for (std::size_t i = 0; i < elements; ++i) {
      built->a[i] = element_value(i);
      built->sum += static_cast<std::uint32_t>(built->a[i]);
    }
    return built;
  });
  std::uint32_t got = 0;
  auto once = [&] {
    const int* a = f.a.data();
    escape(a);
    got = walk_array<Prefetch>(a, elements);
    escape(&got);
  };
  {
    CounterScope scope(state, {elements, elements * sizeof(int)}, once);
    for (auto _ : state) once();
  }
  if (got != f.sum) state.SkipWithError("the walk did not visit every element");
}

Case case_of(const char* name, const char* summary, double peak, CaseFn fn, LadderFn ladder) {
  return {.name = name, .summary = summary, .peak_bytes_per_element = peak, .fn = fn, .ladder = ladder,
          .not_simulated = "a cache simulation has no misses in flight: a prefetch a few steps ahead changes no "
                           "miss count"};
}

const bool kRegistered = add_family({
    .name = "prefetch",
    .title = "Software prefetch",
    .order = 180,
    .demonstrates = "Software prefetch where the hardware cannot guess the next address: a shuffled linked "
                    "list walked plainly and with a prefetch of the node eight steps ahead (a jump pointer "
                    "in each node), and an array walked in a hashed order with and without a prefetch of "
                    "the element some steps ahead.",
    .expected = "Far beyond the last-level cache the plain list walk waits for a miss at every node; with the "
                "prefetch several misses overlap, and the walk is 3x to 10x as fast. The hashed array "
                "walk is already faster than the list (its addresses do not depend on loads, so the core "
                "overlaps them); a prefetch does not make it slower.",
    .unit = {"element", 4},
    .size_name = "elements",
    .cases = {case_of("list", "walk a shuffled list of 32-byte nodes", 48, &list<false>, &nodes_ladder)
                  .labelled("shuffled list"),
              case_of("list_prefetch", "the same walk, prefetching the node eight steps ahead", 48, &list<true>,
                      &nodes_ladder).labelled("shuffled list, prefetched"),
              case_of("hashed_array", "sum an int array in a hashed order", 8, &array<false>, &ints_ladder)
                  .labelled("hashed array"),
              case_of("hashed_array_prefetch", "the same, prefetching the element 32 steps ahead", 8,
                      &array<true>, &ints_ladder).labelled("hashed array, prefetched")},
    .claims = {
        {.kind = "ratio",
         .says = "the plain list walk costs 3x to 10x the walk with prefetch: a prefetch eight nodes ahead keeps "
                 "up to eight misses in flight (nine with the walk's own), fewer where page walks or the miss "
                 "buffers limit them",
         .cases = {"list", "list_prefetch"}, .at = "beyond:LLC", .min = 3, .max = 10},
        {.kind = "ratio", .says = "the hashed array walk with prefetch costs no more than without (within 10%)",
         .cases = {"hashed_array_prefetch", "hashed_array"}, .at = "beyond:LLC", .max = 1.1},
        {.kind = "ratio",
         .says = "over the same working set the plain list costs 5x to 50x per element what the hashed array "
                 "walk costs: the list's misses come one at a time, the hashed walk's addresses are known "
                 "ahead, so the core overlaps its misses",
         .cases = {"list", "hashed_array"}, .at = "beyond:LLC", .min = 5, .max = 50, .match = "working_set"},
    },
    .statistic = Statistic::minimum,
});

}  // namespace
}  // namespace locality
