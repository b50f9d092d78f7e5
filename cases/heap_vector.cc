// heap_vector: std::vector<int>, the contiguous heap baseline. The elements
// lie back to back, so a traversal uses every byte of every cache line it
// loads and the hardware prefetcher streams the next lines ahead of use. The
// sum is the vector kernel (kernels.h): the widest vectors, four
// accumulators, so what limits it is how fast the level the vector lives in
// delivers bytes, and its curve steps where the working set leaves L1, L2
// and the last-level cache. Beside it, the same sum as one scalar add chain:
// bound by the core (one add per cycle), not by memory, at every size that
// memory can feed that fast.
#include <memory>
#include <string>
#include <vector>

#include "core/family.h"
#include "core/fixture.h"
#include "core/kernels.h"
#include "core/timing.h"

namespace locality {
namespace {

template <std::uint32_t (*Sum)(const int*, std::size_t)>
void sum(benchmark::State& state, std::size_t n) {
  const auto& v = int_vector(n);
  time_traversal(state, {n, n * sizeof(int)}, [&v, n] {
    const int* data = v.data();
    escape(data);
    return Sum(data, n);
  });
}

// The shared ladder and one size more, four times the last-level cache
// (where bandwidth/read's ladder ends): the step at the last level is
// measured past a last level larger than the one reported (a guest's
// host's), where twice the reported one may still be in it.
std::vector<std::size_t> sum_ladder(std::size_t llc_bytes, bool quick) {
  std::vector<std::size_t> ladder = shared_ladder(llc_bytes, quick);
  const std::size_t beyond = round_up_pow2(4 * llc_bytes) / sizeof(int);
  if (!quick && beyond > ladder.back()) ladder.push_back(beyond);
  return ladder;
}

const bool kRegistered = add_family({
    .name = "heap_vector",
    .title = "A contiguous vector on the heap",
    .order = 20,
    .demonstrates = "std::vector<int>: elements contiguous on the heap, the baseline every other "
                    "layout is compared with, summed with the widest vectors this CPU has; and the "
                    "same sum as one scalar add chain.",
    .expected = "The vector sum is the fastest layout at every size, and its time per int steps up "
                "where the working set leaves L1, L2 and the last-level cache, because each level "
                "delivers fewer bytes per second. In L1 it reads at least half as fast as the "
                "bandwidth family's read. The one-chain sum is slower in the caches, bound by one "
                "add per cycle instead of by memory.",
    .unit = {"int", sizeof(int)},
    .size_name = "ints",
    .cases = {{.name = "sum", .summary = "sum all elements of a std::vector<int> in order (vector kernel)",
               .peak_bytes_per_element = 4, .fn = &sum<kernels::sum_ints>, .label = "std::vector",
               .role = Role::baseline, .ladder = &sum_ladder, .simulated_by_default = true, .gallery = "contiguous",
               .model = {.kind = "stream", .bytes = sizeof(int), .stride = sizeof(int), .tolerance = 0.5,
                         .parts = "where the sum draws fewer bytes per second than the read kernel that measured "
                                  "the bandwidth (its adds, its loop), or more where the last level is larger "
                                  "than the latency step says"}},
              {.name = "sum_one_chain",
               .summary = "the same sum as one scalar add chain (no vectors): bound by the core",
               .peak_bytes_per_element = 4, .fn = &sum<kernels::sum_ints_one_chain>,
               .label = "std::vector, one add chain",
               .model = {.kind = "stream", .bytes = sizeof(int), .stride = sizeof(int), .tolerance = 0.5,
                         .parts = "in the caches: one add per cycle, not the bytes, sets the pace"}}},
    .claims = {{.kind = "growth", .says = "the sum costs more per int in L2 than in L1 (a step at L1)",
                .cases = {"sum"}, .at = "in:L1", .to = "in:L2", .min = 1.2},
               // Not "at least 1.5x": a guest's host may hold twice its reported
               // last level, and where it does not the step is the memory's.
               {.kind = "growth",
                .says = "and beyond the last-level cache over inside it as much as bandwidth/read's cost per byte "
                        "grows over the same working sets (the run's own read kernel), within 2x either way: "
                        "the sum streams at the bandwidth of the level the vector lives in, so its step at the "
                        "last level is the step the read bandwidth takes there, large or small",
                .cases = {"sum"}, .at = "in:LLC", .to = "beyond:LLC", .min = 0.5, .max = 2,
                .per = {"bandwidth/read", "bandwidth/read"}},
               {.kind = "ratio", .says = "in L1 the sum reads at least half as many bytes per second as bandwidth/read",
                .cases = {"sum", "bandwidth/read"}, .at = "in:L1", .min = 0.5, .match = "working_set",
                .rate = true},
               // Both ways: the chain adds one int a cycle; the vector sum adds as many
               // as the core loads in a cycle.
               {.kind = "ratio",
                .says = "in L1 one add chain costs 8x to 40x the vector sum: the chain adds one int a cycle, the "
                        "vector sum as many as the core loads in a cycle (8 with two 16-byte loads, 32 with two "
                        "64-byte ones; 25% slack)",
                .cases = {"sum_one_chain", "sum"}, .at = "in:L1", .min = 8, .max = 40}},
    .statistic = Statistic::minimum,
});

}  // namespace
}  // namespace locality
