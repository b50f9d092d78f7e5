// The simulated misses of a run (--simulate): the planned benchmarks run
// again under valgrind's callgrind, and the misses per unit merged into the
// timed entries.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <vector>

#include "core/counters.h"
#include "core/machine.h"
#include "runners/lib/plan.h"

namespace locality {

// Runs the benchmarks of `plan` up to `max_elements` again under callgrind
// and merges their misses into `benchmarks` (and the calibration kernels'
// into `calibration`); returns what counters.simulation records, or null
// (after saying why) when the simulation failed.
nlohmann::json simulate(const Plan& plan, std::size_t max_elements, nlohmann::json& benchmarks,
                        CountersStatus& counters, nlohmann::json& calibration);

// Under valgrind: the calibration kernels with the callgrind backend,
// before the benchmarks, each dump labelled "calibration:<kernel>".
void simulate_calibration(const std::vector<CacheLevel>& caches);

}  // namespace locality
