// A throwaway family, compiled into the test-only bench_all_example beside
// the real ones (CMakeLists.txt): it shows that a family is one file. It
// is listed, run, plotted, captioned and checked with no edit anywhere
// else (tests/python/test_catalogue.py). Its claim is made to hold: an
// array walked twice costs more than walked once. Its case "strided" has a
// ladder of its own, given in the descriptor alone: --list, --sizes, the
// plan, the result file's fields and the report all take it from there.
#include <memory>
#include <string>
#include <vector>

#include "core/family.h"
#include "core/fixture.h"
#include "core/kernels.h"
#include "core/timing.h"

namespace locality {
namespace {

template <int Passes>
void walk(benchmark::State& state, std::size_t n) {
  auto& v = Fixtures::get<std::vector<int>>("one_more_family/" + std::to_string(n), n * sizeof(int), [n] {
    auto built = std::make_unique<std::vector<int>>(n);
    for (std::size_t i = 0; i < n; ++i) (*built)[i] = element_value(i);
    return built;
  });
  time_traversal(state, {n, n * sizeof(int)}, [&v, n] {
    std::uint32_t s = 0;
    for (int p = 0; p < Passes; ++p) {
      const int* data = v.data();
      escape(data);
      s = kernels::sum_ints(data, n);
    }
    return s;
  });
}

// Sizes of its own: 3 Ki and 48 Ki ints (not powers of 4, so that no
// other ladder produces them), and 96 Ki in a full run.
std::vector<std::size_t> own_ladder(std::size_t /*llc_bytes*/, bool quick) {
  if (quick) return {3072, 49152};
  return {3072, 49152, 98304};
}

const bool kRegistered = add_family({
    .name = "one_more_family",
    .order = 1000,
    .demonstrates = "A throwaway family: an int array summed once, or twice per element counted.",
    .expected = "Walking the array twice costs more per int than walking it once.",
    .unit = {"int", sizeof(int)},
    .size_name = "ints",
    .cases = {{.name = "once", .summary = "sum the array once", .peak_bytes_per_element = 4, .fn = &walk<1>,
               .label = "once"},
              {.name = "twice", .summary = "sum the array twice", .peak_bytes_per_element = 4, .fn = &walk<2>,
               .label = "twice"},
              {.name = "strided", .summary = "sum the array once, at sizes of its own", .peak_bytes_per_element = 4,
               .fn = &walk<1>, .label = "own sizes", .ladder = &own_ladder}},
    .claims = {{.kind = "ratio", .says = "twice costs more than once", .cases = {"twice", "once"}, .at = "all",
                .min = 1.2}},
    .statistic = Statistic::minimum,
});

}  // namespace
}  // namespace locality
