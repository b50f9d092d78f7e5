#include "runners/bench_all/counters.h"

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "runners/lib/calibration.h"
#include "runners/lib/events.h"
#include "runners/lib/papi_backend.h"

namespace locality {

std::vector<std::string> counter_list_or_exit(const Options& opt) {
  try {
    return parse_counter_list(opt.counters.value_or("all"));
  } catch (const std::invalid_argument& e) {
    usage_error(std::string("--counters: ") + e.what());
  }
}

CountersStatus open_counters(const Options& opt, const std::vector<CacheLevel>& caches, nlohmann::json& calibration) {
  CountersStatus status;
  if (opt.counters && *opt.counters == "none") {
    status.status = "off";
    status.reason = "hardware counters not requested (--counters none)";
    return status;
  }
  PapiProbe probe = probe_papi(counter_list_or_exit(opt));
  if (opt.counters && probe.status.backend != "papi") {
    std::cerr << "bench_all: --counters " << *opt.counters << ": " << probe.status.reason << "\n";
    std::exit(2);
  }
  if (opt.counters) {
    for (const auto& c : probe.choices) {
      if (c.event.empty()) {
        std::cerr << "bench_all: --counters: " << c.logical << " cannot be read here ("
                  << (c.tried.empty() ? "no candidate" : c.tried.front()) << ")\n";
        std::exit(2);
      }
    }
  }
  status = probe.status;
  std::cerr << "bench_all: counters: "
            << (probe.backend ? status.status + " (" + std::to_string(status.events.size()) + " events)" : status.reason)
            << "\n";
  if (probe.backend) {
    set_counter_backend(std::move(probe.backend));
    for (const auto& kernel : calibration_kernels(caches)) {
      run_calibration_kernel(kernel, counter_backend());
      for (const Reading& r : counter_backend().read()) {
        const double expected = expected_misses(kernel, r.name, caches);
        if (std::isnan(expected)) continue;
        // Hardware counts include prefetches and vendor quirks: a factor of
        // two either way is what "about" means here.
        calibration.push_back(calibration_entry(kernel, r.name, expected, r.value / static_cast<double>(kernel.elements), 1.0));
      }
    }
  }
  return status;
}

}  // namespace locality
