// Hardware counters for a run: opened as --counters asks, calibrated
// against kernels with known answers.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/counters.h"
#include "core/machine.h"
#include "runners/bench_all/options.h"

namespace locality {

// The counters --counters names (all by default), or one line and exit 2.
std::vector<std::string> counter_list_or_exit(const Options& opt);

// Opens hardware counters as asked and calibrates them into `calibration`;
// exits with 2 when counters named explicitly cannot be read.
CountersStatus open_counters(const Options& opt, const std::vector<CacheLevel>& caches, nlohmann::json& calibration);

}  // namespace locality
