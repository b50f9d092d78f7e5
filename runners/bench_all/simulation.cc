#include "runners/bench_all/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "core/platform.h"
#include "runners/lib/calibration.h"
#include "runners/lib/simulate.h"

namespace locality {
namespace {

// The simulated misses, merged into every entry that was simulated.
void merge_simulation(nlohmann::json& benchmarks, const SimulationOutcome& sim, const std::vector<CacheLevel>& caches,
                      nlohmann::json& calibration) {
  for (auto& b : benchmarks) {
    if (b.value("run_type", "iteration") != "iteration") continue;
    const std::string name = b.value("run_name", std::string());
    const auto it = sim.iterations.find(name);
    if (it == sim.iterations.end() || !b.contains("elements")) continue;
    // Per unit of work of one iteration (the `elements` counter), which is
    // more than the size in the name where an iteration repeats a small
    // structure (bandwidth passes, chase laps).
    const double units = b["elements"].get<double>() * it->second;
    auto put = [&](const char* key, const std::map<std::string, SimCounts>& pass, bool ll) {
      const auto c = pass.find(name);
      if (c != pass.end() && units > 0) b[key] = (ll ? c->second.ll_misses : c->second.d1_misses) / units;
    };
    put("sim_d1_misses_per_elem", sim.ll_pass, false);
    put("sim_ll_misses_per_elem", sim.ll_pass, true);
    put("sim_l2_misses_per_elem", sim.l2_pass, true);
  }
  for (const auto& kernel : calibration_kernels(caches)) {
    const std::string label = "calibration:" + kernel.name;
    auto check = [&](const std::map<std::string, SimCounts>& pass, const std::string& counter, bool ll) {
      const auto c = pass.find(label);
      const double expected = expected_misses(kernel, counter, caches);
      if (c == pass.end() || std::isnan(expected)) return;
      const double measured = (ll ? c->second.ll_misses : c->second.d1_misses) / static_cast<double>(kernel.elements);
      calibration.push_back(calibration_entry(kernel, "sim_" + counter, expected, measured, 0.1));
    };
    check(sim.ll_pass, "l1d_misses", false);
    check(sim.ll_pass, "llc_misses", true);
    check(sim.l2_pass, "l2_misses", true);
  }
}

nlohmann::json geometry_json(const std::map<std::string, CacheLevel>& geometry) {
  nlohmann::json g = nlohmann::json::object();
  for (const auto& [slot, c] : geometry) {
    g[slot] = {{"level", c.level}, {"size_bytes", c.size_bytes}, {"line_bytes", c.line_bytes}, {"ways", c.ways}};
  }
  return g;
}

// One line for each kind of benchmark left out of the simulation.
void say_left_out(const std::vector<std::string>& unmodelled, const std::vector<std::string>& too_large,
                  std::size_t max_elements) {
  if (!unmodelled.empty()) {
    const Case& c = *find_case(unmodelled.front()).c;
    std::cerr << "bench_all: not simulating " << unmodelled.size() << " benchmark(s) whose effect the simulator "
              << "cannot model, e.g. " << unmodelled.front() << ": " << c.not_simulated << "\n";
  }
  if (!too_large.empty()) {
    std::cerr << "bench_all: not simulating " << too_large.size() << " benchmark(s) above "
              << max_elements << " (--simulate-max-elements), e.g. " << too_large.front() << "\n";
  }
}

}  // namespace

Simulation simulation_of(const Options& opt, bool sizes_given) {
  if (opt.simulate) return *opt.simulate ? Simulation::all : Simulation::none;
  // The default run: every family, planned by the budget.
  if (opt.simulation_child || opt.quick || sizes_given || !opt.plan.selectors.empty() || !opt.plan.filter.empty() ||
      (opt.counters && *opt.counters == "none")) {
    return Simulation::none;
  }
  return valgrind_installed() ? Simulation::by_default : Simulation::none;
}

std::vector<std::size_t> simulated_sizes(const Plan& plan, Simulation mode, std::size_t max_elements) {
  std::vector<std::size_t> sizes;
  for (const auto& b : plan.benchmarks) {
    if (mode == Simulation::none || (mode == Simulation::by_default && !b.c->simulated_by_default)) continue;
    if (b.c->not_simulated.empty() && b.size <= max_elements) sizes.push_back(b.size);
  }
  return sizes;
}

// Each pass starts valgrind and the calibration kernels (about 4 s), then
// runs every benchmark over at least 64 Ki units (the child's fixed
// iterations) after building it: about 1.5 us per unit under callgrind on
// the development VM (66 benchmarks of the default subset up to 1 Mi
// elements took 21 s a pass), taken as 2 us to leave room.
double simulation_seconds(const std::vector<std::size_t>& sizes) {
  if (sizes.empty()) return 0;
  double pass = 5;
  for (std::size_t n : sizes) pass += 0.02 + 2e-6 * static_cast<double>(std::max<std::size_t>(n, std::size_t{1} << 16));
  return 2 * pass;
}

bool hardware_counts_misses(const CountersStatus& counters) {
  if (counters.backend != "papi") return false;
  for (const auto& e : counters.events) {
    if (e.rfind("l1d_misses=", 0) == 0 || e.rfind("llc_misses=", 0) == 0) return true;
  }
  return false;
}

// Runs the selected benchmarks again under callgrind; returns what
// counters.simulation records, or null (after saying why) when the
// simulation failed.
nlohmann::json simulate(const Plan& plan, Simulation mode, std::size_t max_elements, nlohmann::json& benchmarks,
                        CountersStatus& counters, nlohmann::json& calibration) {
  const std::vector<CacheLevel>& caches = this_machine().caches;
  SimulationRequest request;
  request.exe = executable_path();
  request.caches = caches;
  std::vector<std::string> unmodelled, too_large;
  std::set<std::size_t> sizes;
  // Only what was timed: not what a --benchmark_filter, the deadline or
  // a failure left out.
  std::set<std::string> timed;
  for (const auto& b : benchmarks) timed.insert(b.value("run_name", std::string()));
  for (const auto& b : plan.benchmarks) {
    if (mode == Simulation::by_default && !b.c->simulated_by_default) continue;
    if (!timed.count(b.name)) continue;
    if (!b.c->not_simulated.empty()) {
      unmodelled.push_back(b.name);
    } else if (b.size <= max_elements) {
      request.names.push_back(b.name);
      sizes.insert(b.size);
    } else {
      too_large.push_back(b.name);
    }
  }
  // The child plans exactly these benchmarks: their sizes, and a filter of
  // their names (run_simulation adds it).
  std::string list;
  for (std::size_t n : sizes) list += (list.empty() ? "" : ",") + std::to_string(n);
  if (!list.empty()) request.child_args.push_back("--sizes=" + list);
  request.child_args.push_back("--max-memory=" + std::to_string(plan.memory_budget));
  const char* flag = mode == Simulation::all ? "--simulate" : "simulated misses";
  if (mode == Simulation::by_default) {
    std::cerr << "bench_all: no hardware miss counters: simulating the misses of the layouts and the "
              << "latency chases (" << request.names.size() << " benchmarks up to " << max_elements
              << " elements; --simulate simulates every case, --no-simulate none)\n";
  }
  say_left_out(unmodelled, too_large, max_elements);
  if (request.names.empty()) {
    std::cerr << "bench_all: " << flag << ": no selected size is small enough to simulate; the timings are kept\n";
    return nullptr;
  }
  if (request.exe.empty()) {
    std::cerr << "bench_all: " << flag << ": this system does not say where bench_all is; the timings are kept\n";
    return nullptr;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const SimulationOutcome sim = run_simulation(request);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!sim.error.empty()) {
    std::cerr << "bench_all: " << flag << ": " << sim.error << "; the timings are kept\n";
    return nullptr;
  }
  merge_simulation(benchmarks, sim, caches, calibration);
  std::vector<std::string> not_simulated = unmodelled;
  not_simulated.insert(not_simulated.end(), too_large.begin(), too_large.end());
  if (counters.backend == "none") counters.backend = "simulated";
  counters.status = counters.backend == "simulated" ? "simulated" : counters.status;
  for (const char* e : {"sim_d1_misses=callgrind D1mr+D1mw", "sim_ll_misses=callgrind DLmr+DLmw",
                        "sim_l2_misses=callgrind DLmr+DLmw with L2 geometry as LL"}) {
    counters.events.push_back(e);
  }
  return {{"tool", sim.valgrind_version + " callgrind --cache-sim=yes (LRU, write-allocate, no prefetcher)"},
          {"geometry", geometry_json(sim.geometry)},
          {"geometry_notes", sim.geometry_notes},
          {"shim", sim.shim},
          {"max_elements", max_elements},
          {"selection", mode == Simulation::all
                            ? "every case the simulator can model (--simulate)"
                            : "the default run's subset where the hardware counts no misses: the layouts and "
                              "the latency chases (cases marked simulated_by_default)"},
          {"simulated", request.names.size()},
          {"seconds", took},
          {"not_simulated", not_simulated}};
}

void simulate_calibration(const std::vector<CacheLevel>& caches) {
  for (const auto& kernel : calibration_kernels(caches)) {
    set_simulation_label("calibration:" + kernel.name);
    run_calibration_kernel(kernel, counter_backend());
  }
}

}  // namespace locality
