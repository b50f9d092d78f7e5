// The simulated misses of a run (--simulate): the planned benchmarks run
// again under valgrind's callgrind, and the misses per unit merged into the
// timed entries.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <vector>

#include "core/counters.h"
#include "core/machine.h"
#include "runners/bench_all/options.h"
#include "runners/lib/plan.h"

namespace locality {

// Which benchmarks a run simulates: none, all that can be (--simulate), or
// the default run's stated subset (the cases whose descriptor says
// simulated_by_default: the layouts and the latency chases), which it
// simulates only where the hardware counted no misses.
enum class Simulation { none, all, by_default };

// The run's choice from its options: --simulate, --no-simulate, else the
// subset for the default run (every family, planned by the budget: no
// selection, --benchmark_filter, --quick, --sizes or --counters none) on a
// machine with valgrind.
Simulation simulation_of(const Options& opt, bool sizes_given);

// The sizes of the benchmarks of `plan` that `mode` simulates, up to
// `max_elements`.
std::vector<std::size_t> simulated_sizes(const Plan& plan, Simulation mode, std::size_t max_elements);

// Seconds the simulation of benchmarks of these sizes takes (two passes
// under callgrind); a planning figure, the result file records what it took.
double simulation_seconds(const std::vector<std::size_t>& sizes);

// Whether the hardware counted misses, so that the default run needs no
// simulation.
bool hardware_counts_misses(const CountersStatus& counters);

// Runs the benchmarks of `plan` that `mode` selects, up to `max_elements`,
// again under callgrind and merges their misses into `benchmarks` (and the
// calibration kernels' into `calibration`); returns what
// counters.simulation records, or null (after saying why) when the
// simulation failed.
nlohmann::json simulate(const Plan& plan, Simulation mode, std::size_t max_elements, nlohmann::json& benchmarks,
                        CountersStatus& counters, nlohmann::json& calibration);

// Under valgrind: the calibration kernels with the callgrind backend,
// before the benchmarks, each dump labelled "calibration:<kernel>".
void simulate_calibration(const std::vector<CacheLevel>& caches);

}  // namespace locality
