// A run planned to a time budget. Before the run, a short calibration times
// every selected case once (one iteration, at one size whose structure
// needs at most kCalibrationBytes), so that the cost of each planned
// benchmark can be estimated from what it does on this machine, not from a
// multiple of a reported cache size: the structure's build and one
// iteration scale with the size, and Google Benchmark repeats an iteration
// until the minimum time is reached. The plan then drops, one at a time, the
// most expensive largest size of a case that keeps at least two sizes,
// until the estimate fits; the run itself stops starting benchmarks at the
// budget's end. Calibrations are kept in a cache file per host and build, so
// a second --dry-run (or a run after one) does not time them again.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runners/lib/plan.h"

namespace locality {

inline constexpr std::size_t kCalibrationBytes = std::size_t{64} << 20;

// What one case cost at one size: building its structure (once, while it
// stays in the fixture cache), the untimed work of every call of the case
// function (statistics of the layout, checks), one iteration of its loop,
// and how these grow with the size: cost(n) = cost(size) * (n / size)^growth,
// growth from the iteration times at size and size / 8 (1: linear, up to
// 1.3 where the per-unit time rises as the working set leaves the caches).
struct CaseCost {
  std::size_t size = 0;
  double setup_s = 0;
  double iteration_s = 0;
  double call_s = 0;
  double growth = 1;
};
using Costs = std::map<std::string, CaseCost>;  // by "family/case"

// The size a case is calibrated at: the largest of its planned sizes whose
// structure needs at most kCalibrationBytes; where even the smallest needs
// more, that size halved until it fits (cases run at any size).
std::size_t calibration_size(const std::vector<std::size_t>& sizes, const Case& c);

// Seconds one benchmark takes in a pass of `repetitions` repetitions of at
// least `min_time` seconds each (Google Benchmark's iteration search
// included), its structure built `builds` times.
double benchmark_seconds(const CaseCost& cost, std::size_t size, int repetitions, double min_time, int builds = 1);

// How a run's `repetitions` are spread over `passes` passes over the whole
// plan: as evenly as they go, the earlier passes taking the odd ones (5 over
// 2: 3 then 2). Never more passes than repetitions; at least one.
std::vector<int> split_repetitions(int repetitions, int passes);

struct TimeEstimate {
  double calibration_s = 0;
  double first_pass_s = 0;  // every pass over the plan (the name is the result file's)
  int passes = 1;
  double reruns_s = 0;  // the time left to rerun noisy points (at most the first pass)
  double fixed_s = 0;   // probes, counters, writing the file
  double report_s = 0;  // rendering the report afterwards (runners/bench.sh)
  double simulate_s = 0;  // the default run's simulated misses, where there is no PMU
  double total() const { return calibration_s + first_pass_s + reruns_s + fixed_s + report_s + simulate_s; }
};

// The seconds the report takes to render a run of `benchmarks` benchmarks.
double report_seconds(std::size_t benchmarks);

struct Budget {
  double seconds = 600;  // the whole run, report included
  bool cut = true;       // false: --full or --sizes; estimate only
  double simulate_s = 0;  // kept for the simulation after the passes
  int passes = 1;         // passes over the whole plan, the repetitions split between them
};

struct Fit {
  TimeEstimate estimate;       // of the plan as trimmed
  TimeEstimate untrimmed;      // of the plan before trimming
  std::vector<Skip> cut;       // benchmarks left out for time
  std::map<std::string, double> seconds;  // each planned benchmark's estimate over all passes
};

// The benchmark to leave out first when time is short: of each case's
// largest size among `benchmarks`, the cheapest that `seconds` (by index)
// says saves at least `need`, so that no more is lost than the time asks
// for; where none saves that much, the dearest. Only cases that keep
// another size, unless `any_case`, and none of the cases in `keep`
// ("family/case"). Returns benchmarks.size() where there is none. The plan
// (fit_to_budget) and the run behind schedule choose by this one rule.
std::size_t largest_size_to_cut(const std::vector<PlannedBenchmark>& benchmarks,
                                const std::function<double(std::size_t)>& seconds, bool any_case,
                                const std::set<std::string>& keep = {}, double need = 0);

// The cases ("family/case") a claim compares beyond a cache level or at the
// largest size: their largest size is what decides the claim, so the plan
// cuts it last.
std::set<std::string> claim_cases_beyond(const std::vector<PlannedBenchmark>& benchmarks);

// Estimates `plan` and, where budget.cut, removes benchmarks (into
// plan.skipped, with the reason) until the estimate fits the budget; the
// passes over the plan (budget.passes, each building the structures again)
// are planned to take at most 60% of what is left after the calibration,
// the fixed costs and the report, the reruns the rest.
Fit fit_to_budget(Plan& plan, const Costs& costs, int repetitions, double min_time, std::size_t fixture_capacity,
                  double calibration_s, const Budget& budget);

// Times every case of `plan` that `cached` does not already hold at its
// calibration size; returns all costs (cached ones included) and adds the
// seconds spent to `spent_s`. Google Benchmark must be initialised.
Costs calibrate(const Plan& plan, const Costs& cached, double& spent_s);

// The cost cache: ${XDG_CACHE_HOME:-~/.cache}/locality/costs.json, one
// section per host, CPU and build commit; entries older than a week are
// ignored. Reading never fails (an unreadable cache is empty), writing
// fails silently: the cache only saves time.
std::filesystem::path cost_cache_path();
Costs read_cost_cache(const std::filesystem::path& path, const std::string& key);
void write_cost_cache(const std::filesystem::path& path, const std::string& key, const Costs& costs);

// "1 min 05 s", "42 s".
std::string format_seconds(double seconds);

// Parses a duration: "600", "600s", "10m", "1h", "1.5m"; nullopt otherwise.
std::optional<double> parse_duration(const std::string& text);

}  // namespace locality
