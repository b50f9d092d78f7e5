#include "runners/lib/calibration.h"

#include <cmath>
#include <cstdint>
#include <sstream>

#include "core/chase.h"
#include "core/family.h"
#include "core/kernels.h"
#include "core/layout.h"

namespace locality {
namespace {

std::size_t line_bytes(const std::vector<CacheLevel>& caches) {
  const auto c = data_cache(caches, 1);
  return c && c->line_bytes ? c->line_bytes : 64;
}

// The value of `counter` in a benchmark entry, or NaN when absent.
double value(const nlohmann::json& b, const std::string& key) {
  auto it = b.find(key);
  return it != b.end() && it->is_number() ? it->get<double>() : std::nan("");
}

}  // namespace

std::vector<CalibrationKernel> calibration_kernels(const std::vector<CacheLevel>& caches) {
  // Expectations need the geometry: none where the caches are unknown.
  const auto l2 = data_cache(caches, 2);
  const auto llc = last_level_cache(caches);
  if (!l2 || !llc) return {};
  return {{"scan", 4 * l2->size_bytes / sizeof(int), 4 * l2->size_bytes},
          {"chase", 4 * llc->size_bytes / sizeof(LineNode), 4 * llc->size_bytes}};
}

void run_calibration_kernel(const CalibrationKernel& kernel, CounterBackend& backend) {
  if (kernel.name == "scan") {
    std::vector<int> v(kernel.elements);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = element_value(i);
    const int* data = v.data();
    backend.start();
    std::uint32_t s = kernels::sum_ints(data, v.size());
    backend.stop();
    asm volatile("" : : "r"(s) : "memory");
    return;
  }
  std::vector<LineNode> nodes(kernel.elements);
  link_cycle(nodes.data(), nodes.size(), ChaseOrder::random);
  backend.start();
  const LineNode* p = chase(&nodes[0], kernel.elements);
  backend.stop();
  asm volatile("" : : "r"(p) : "memory");
}

double expected_misses(const CalibrationKernel& kernel, const std::string& counter,
                       const std::vector<CacheLevel>& caches) {
  const auto llc = last_level_cache(caches);
  if (kernel.name == "scan") {
    if (counter == "l1d_misses" || counter == "l2_misses") {
      // one miss per line: element bytes / line bytes (1/16 for ints)
      return static_cast<double>(sizeof(int)) / static_cast<double>(line_bytes(caches));
    }
    return std::nan("");  // 4x L2 may fit in the last level
  }
  // A cyclic permutation comes back to a node only after visiting all the
  // others: the reuse distance is the whole working set, larger than any
  // level, so every step misses everywhere (an LRU cache keeps none of it;
  // real replacement policies keep a little).
  const bool miss_counter = counter == "l1d_misses" || counter == "l2_misses" || counter == "llc_misses";
  if (miss_counter && llc && kernel.working_set_bytes > llc->size_bytes) return 1.0;
  return std::nan("");
}

nlohmann::json calibration_entry(const CalibrationKernel& kernel, const std::string& counter,
                                 double expected, double measured, double tolerance) {
  const bool ok = std::isfinite(measured) && std::fabs(measured - expected) <= tolerance * expected;
  return {{"kernel", kernel.name},
          {"working_set_bytes", kernel.working_set_bytes},
          {"counter", counter},
          {"expected_per_elem", expected},
          {"measured_per_elem", std::isfinite(measured) ? nlohmann::json(measured) : nlohmann::json()},
          {"tolerance", tolerance},
          {"ok", ok}};
}

std::vector<std::string> impossible_counts(const nlohmann::json& benchmarks,
                                           const std::vector<CacheLevel>& caches) {
  std::vector<std::string> found;
  const auto l1_cache = data_cache(caches, 1);
  const double l1 = l1_cache ? static_cast<double>(l1_cache->size_bytes) : INFINITY;
  // Each source's L1d key, then the keys of the levels below it.
  struct Keys {
    const char* l1;
    std::vector<std::string> lower;
  };
  const std::vector<Keys> sources = {
      {"sim_d1_misses_per_elem", {"sim_l2_misses_per_elem", "sim_ll_misses_per_elem"}},
      {"l1d_misses_per_elem", {"l2_misses_per_elem", "llc_misses_per_elem"}},
  };
  for (const Keys& keys : sources) {
    const std::string l1_key = keys.l1;
    for (const auto& b : benchmarks) {
      if (b.value("run_type", "iteration") != "iteration") continue;
      const std::string name = b.value("run_name", b.value("name", std::string("?")));
      const double l1_misses = value(b, l1_key);
      if (std::isnan(l1_misses)) continue;
      for (const auto& key : keys.lower) {
        const double lower = value(b, key);
        // A little slack (1% and 0.001 per element) for the loop's own bookkeeping.
        if (!std::isnan(lower) && lower > l1_misses * 1.01 + 1e-3) {
          std::ostringstream s;
          s << name << ": " << key << " (" << lower << ") exceeds " << l1_key << " (" << l1_misses
            << "), impossible for an inclusive count";
          found.push_back(s.str());
        }
      }
      const double ws = value(b, "working_set_bytes");
      const CaseRef ref = find_case(name);
      const bool sequential = ref && ref.c->role == Role::baseline;
      if (sequential && ws > 16.0 * l1 && l1_misses == 0) {
        found.push_back(name + ": zero " + l1_key + " on a scan 16x larger than L1d");
      }
    }
  }
  return found;
}

}  // namespace locality
