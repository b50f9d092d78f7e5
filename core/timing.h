// The timed loop every traversal case shares, so that all families measure
// exactly the same way: the structure is built before, the counters scope
// wraps the loop, the compiler must re-read the data on every iteration, and
// the result is checked against the known sum afterwards.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "core/chase.h"
#include "core/layout.h"
#include "core/counters.h"

namespace locality {

// Tells the compiler that the memory behind `p` may be read and changed
// here: stores before it must happen and loads after it must be redone. It
// only reads the pointer. (Google Benchmark 1.7's DoNotOptimize on a
// non-const lvalue uses a read-write "+m,r" asm operand instead; under the
// sanitizer build GCC then handed the kernel a null pointer.)
template <typename T>
inline void escape(const T* p) {
  asm volatile("" : : "r"(p) : "memory");
}

// `traverse` is called once per iteration and returns the sum it computed.
template <typename Traverse>
void time_traversal(benchmark::State& state, Workload workload, Traverse&& traverse) {
  std::uint32_t got = 0;
  {
    CounterScope scope(state, workload, [&traverse] {
      std::uint32_t warm = traverse();
      escape(&warm);
    });
    for (auto _ : state) {
      got = traverse();
      // The sum escapes, so the traversal cannot be deleted.
      escape(&got);
    }
  }
  if (got != expected_sum32(workload.elements)) {
    state.SkipWithError("traversal returned the wrong sum: the kernel did not visit every element");
  }
}

// The loads one iteration of a chase through a cycle of `n` nodes runs:
// whole laps, at least 4096 loads, so that the benchmark loop's own few ns
// stay out of the figure (seen: 6% at 64 nodes with one lap).
inline std::size_t chase_loads(std::size_t n) { return n * ((4096 + n - 1) / n); }

// Times a chase of chase_loads(n) dependent loads per iteration through a
// cycle of `n` nodes from `start`, continuing from where the last iteration
// stopped (one unbroken dependency chain: restarting would make iterations
// independent, and an out-of-order core overlaps short ones). Whole laps
// end where they started: that checks that the links form one cycle.
template <typename Node>
void time_chase(benchmark::State& state, const Node* start, std::size_t n, std::size_t working_set_bytes) {
  const std::size_t loads = chase_loads(n);
  const Node* end = start;
  {
    CounterScope scope(state, {loads, working_set_bytes}, [start, loads] {
      const Node* warm = chase_links(start, loads);
      escape(warm);
    });
    for (auto _ : state) {
      end = chase_links(end, loads);
      escape(end);
    }
  }
  if (end != start) state.SkipWithError("the chase did not return to its start: the links are not one cycle");
}

// Records a measured layout as user counters (outside the timed loop).
inline void record_layout(benchmark::State& state, const LayoutStats& layout) {
  state.counters["gap_median_bytes"] = layout.median_gap_bytes;
  state.counters["near_step_share"] = layout.near_step_share;
  for (std::size_t k = 0; k < kGapBuckets.size(); ++k) {
    state.counters[std::string("gap_share_") + kGapBuckets[k].name] = layout.gap_share[k];
  }
}

}  // namespace locality
