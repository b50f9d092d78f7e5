#include "runners/bench_all/simulation.h"

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

}  // namespace

// Runs the measured benchmarks again under callgrind; returns what
// counters.simulation records, or null (after saying why) when the
// simulation failed.
nlohmann::json simulate(const Plan& plan, std::size_t max_elements, nlohmann::json& benchmarks,
                        CountersStatus& counters, nlohmann::json& calibration) {
  const std::vector<CacheLevel>& caches = this_machine().caches;
  SimulationRequest request;
  request.exe = executable_path();
  request.caches = caches;
  // The child plans exactly these benchmarks: their sizes, and a filter of
  // their names (run_simulation adds it).
  std::set<std::size_t> sizes;
  for (const auto& b : plan.benchmarks) {
    if (b.c->not_simulated.empty() && b.size <= max_elements) sizes.insert(b.size);
  }
  std::string list;
  for (std::size_t n : sizes) list += (list.empty() ? "" : ",") + std::to_string(n);
  if (!list.empty()) request.child_args.push_back("--sizes=" + list);
  request.child_args.push_back("--max-memory=" + std::to_string(plan.memory_budget));
  std::vector<std::string> unmodelled, too_large;
  for (const auto& b : plan.benchmarks) {
    if (!b.c->not_simulated.empty()) {
      unmodelled.push_back(b.name);
    } else {
      (b.size <= max_elements ? request.names : too_large).push_back(b.name);
    }
  }
  if (!unmodelled.empty()) {
    const Case& c = *find_case(unmodelled.front()).c;
    std::cerr << "bench_all: not simulating " << unmodelled.size() << " benchmark(s) whose effect the simulator "
              << "cannot model, e.g. " << unmodelled.front() << ": " << c.not_simulated << "\n";
  }
  if (!too_large.empty()) {
    std::cerr << "bench_all: not simulating " << too_large.size() << " benchmark(s) above "
              << max_elements << " (--simulate-max-elements), e.g. " << too_large.front() << "\n";
  }
  if (request.names.empty()) {
    std::cerr << "bench_all: --simulate: no selected size is small enough to simulate; the timings are kept\n";
    return nullptr;
  }
  if (request.exe.empty()) {
    std::cerr << "bench_all: --simulate: this system does not say where bench_all is; the timings are kept\n";
    return nullptr;
  }
  const SimulationOutcome sim = run_simulation(request);
  if (!sim.error.empty()) {
    std::cerr << "bench_all: --simulate: " << sim.error << "; the timings are kept\n";
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
          {"not_simulated", not_simulated}};
}

void simulate_calibration(const std::vector<CacheLevel>& caches) {
  for (const auto& kernel : calibration_kernels(caches)) {
    set_simulation_label("calibration:" + kernel.name);
    run_calibration_kernel(kernel, counter_backend());
  }
}

}  // namespace locality
