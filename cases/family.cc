#include "cases/family.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

namespace locality {
namespace {

// The order in which families are taught and listed.
constexpr std::array<std::string_view, 13> kFamilyOrder = {
    "stack_array", "heap_vector", "scattered_nodes", "arena_nodes", "allocation",
    "latency", "element_size", "stride", "bandwidth", "traversal_order",
    "aos_soa", "tlb", "false_sharing"};

std::vector<Family>& catalogue() {
  static std::vector<Family> all;
  return all;
}

std::size_t order_of(const std::string& name) {
  auto it = std::find(kFamilyOrder.begin(), kFamilyOrder.end(), name);
  return static_cast<std::size_t>(it - kFamilyOrder.begin());
}

}  // namespace

bool add_family(Family family) {
  auto& all = catalogue();
  all.push_back(std::move(family));
  std::stable_sort(all.begin(), all.end(),
                   [](const Family& a, const Family& b) {
                     return order_of(a.name) < order_of(b.name);
                   });
  return true;
}

const std::vector<Family>& families() { return catalogue(); }

const Case* find_case(const std::string& benchmark_name) {
  for (const Family& family : families()) {
    for (const Case& c : family.cases) {
      const std::string prefix = family.name + "/" + c.name + "/";
      if (benchmark_name.compare(0, prefix.size(), prefix) == 0) return &c;
    }
  }
  return nullptr;
}

std::string benchmark_name(const Family& family, const Case& c,
                           std::size_t elements) {
  return family.name + "/" + c.name + "/" + std::to_string(elements);
}

std::vector<std::string> register_benchmarks(const RegisterOptions& options) {
  std::vector<std::string> names;
  for (const Family& family : families()) {
    for (const Case& c : family.cases) {
      if (options.select && !options.select(family, c)) continue;
      const LadderFn own = c.ladder ? c.ladder : family.ladder;
      const std::vector<std::size_t> sizes =
          own && options.family_ladders_llc_bytes != 0
              ? own(options.family_ladders_llc_bytes, options.quick)
              : options.ladder;
      for (std::size_t n : sizes) {
        std::string name = benchmark_name(family, c, n);
        std::string reason;
        if (c.max_elements != 0 && n > c.max_elements) {
          reason = "sizes above " + std::to_string(c.max_elements) + " elements are not run: " +
                   c.max_elements_why;
        } else if (options.skip_reason) {
          reason = options.skip_reason(c, n);
        }
        if (!reason.empty()) {
          if (options.on_skip) options.on_skip(name, reason);
          continue;
        }
        CaseFn fn = c.fn;
        auto on_start = options.on_start;
        benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(
            name.c_str(), [fn, n, name, on_start](benchmark::State& state) {
              if (on_start) on_start(name);
              fn(state, n);
            });
        if (options.repetitions > 0) b->Repetitions(options.repetitions);
        if (options.min_time > 0) b->MinTime(options.min_time);
        if (options.fixed_iterations) {
          b->Iterations(static_cast<benchmark::IterationCount>(options.fixed_iterations(n)));
        }
        names.push_back(std::move(name));
      }
    }
  }
  return names;
}

}  // namespace locality
