// heap_vector: std::vector<int>, the contiguous heap baseline. The elements
// lie back to back, so a traversal uses every byte of every cache line it
// loads and the hardware prefetcher streams the next lines ahead of use. A
// plot shows the lowest time per element of all layouts at every size, with
// small steps where the working set leaves L1, L2 and the last-level cache.
#include <memory>
#include <vector>

#include "cases/family.h"
#include "cases/timing.h"

namespace locality {
namespace {

void sum(benchmark::State& state, std::size_t n) {
  auto& v = FixtureSlot::get<std::vector<int>>(
      "heap_vector/" + std::to_string(n), [n] {
        auto built = std::make_unique<std::vector<int>>(n);
        for (std::size_t i = 0; i < n; ++i) (*built)[i] = element_value(i);
        return built;
      });
  time_traversal(state, {n, n * sizeof(int)}, [&v, n] {
    const int* data = v.data();
    escape(data);
    return sum_array(data, n);
  });
}

const bool kRegistered = add_family({
    "heap_vector",
    "std::vector<int>: elements contiguous on the heap, the baseline every other layout is "
    "compared with.",
    "Lowest time per element at every size; small steps as the working set leaves each cache "
    "level, because sequential access uses whole lines and the prefetcher hides most latency.",
    {{"sum", "sum all elements of a std::vector<int> in order", 4, &sum}},
});

}  // namespace
}  // namespace locality
