#include "runners/lib/budget.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/units.h"
#include "runners/lib/result_file.h"

namespace locality {
namespace {

using Clock = std::chrono::steady_clock;

// Google Benchmark's iteration search: it runs 1 iteration, then grows the
// count (by at most 10x a step) until a run lasts min_time, aiming at 1.4x
// min_time; later repetitions reuse the count. Beyond the search, each run
// of the case function has a fixed cost (the State, the counters scope).
constexpr double kSearchOvershoot = 1.4;
constexpr double kPerRunSeconds = 0.002;
// What the run spends outside the benchmarks: the clock probe before and
// after, opening counters and their calibration kernels, writing the file.
constexpr double kFixedSeconds = 8;
// The least a cut must save, as a share of the first pass, before the cuts
// move on to the sizes a claim needs (then to any size).
constexpr double kNegligibleShare = 0.0025;
// The share of the time for passes the first pass and the report may take:
// while sizes no claim needs are cut, and once only claims' sizes are left.
constexpr double kFirstPassShare = 0.6;
constexpr double kClaimFirstPassShare = 0.65;

double scaled(double value, std::size_t from, std::size_t to, double growth) {
  return from == 0 ? value : value * std::pow(static_cast<double>(to) / static_cast<double>(from), growth);
}

constexpr double kMaxGrowth = 1.3;

// Collects each run's time of one iteration.
class IterationTimes : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.iterations <= 0) continue;
      seconds[r.run_name.function_name] = r.real_accumulated_time / static_cast<double>(r.iterations);
    }
  }
  std::map<std::string, double> seconds;  // by registered name (family/case/size)
};

std::string case_key(const PlannedBenchmark& b) { return b.family->name + "/" + b.c->name; }

}  // namespace

std::size_t calibration_size(const std::vector<std::size_t>& sizes, const Case& c) {
  if (sizes.empty()) return 0;
  std::size_t best = 0;
  for (std::size_t n : sizes) {
    if (peak_bytes_of(c, n) <= static_cast<double>(kCalibrationBytes)) best = std::max(best, n);
  }
  if (best != 0) return best;
  std::size_t n = sizes.front();
  while (n > 1 && peak_bytes_of(c, n) > static_cast<double>(kCalibrationBytes)) n /= 2;
  return peak_bytes_of(c, n) > static_cast<double>(kCalibrationBytes) ? 0 : n;
}

static CaseCost modelled_cost(const Case& c, std::size_t size) {
  // Too big to time cheaply at any size (the threads' buffers sized from
  // the caches): touching the memory once to build it and once per
  // iteration, at a rate any machine of this decade exceeds.
  constexpr double kBytesPerSecond = 2e9;
  const double seconds = peak_bytes_of(c, size) / kBytesPerSecond;
  return {size, seconds, seconds, 0, 1};
}

double benchmark_seconds(const CaseCost& cost, std::size_t size, int repetitions, double min_time, int builds) {
  const double iteration = std::max(1e-9, scaled(cost.iteration_s, cost.size, size, cost.growth));
  const double setup = scaled(cost.setup_s, cost.size, size, cost.growth);
  const double call = scaled(cost.call_s, cost.size, size, cost.growth) + kPerRunSeconds;
  // One repetition: a single iteration where it outlasts the minimum time,
  // else as many as fill 1.4x the minimum time; each is one call of the
  // case function. The first repetition searches for the count: a call
  // with 1 iteration, then 10x more each step until a tenth of the
  // minimum time is reached, then the count that fills it.
  const double repetition = std::max(iteration, kSearchOvershoot * min_time) + call;
  double search = 0;
  if (iteration < min_time) {
    const double steps = 1 + std::max(0.0, std::ceil(std::log10(0.1 * min_time / iteration)));
    search = steps * call + 0.15 * min_time;
  }
  return builds * setup + repetitions * repetition + search;
}

std::set<std::string> claim_cases_beyond(const std::vector<PlannedBenchmark>& benchmarks) {
  std::set<std::string> out;
  std::set<const Family*> families;
  for (const auto& b : benchmarks) families.insert(b.family);
  for (const Family* f : families) {
    for (const Claim& claim : f->claims) {
      const auto decides = [](const std::string& region) {
        return region.rfind("beyond:", 0) == 0 || region == "last";
      };
      if (!decides(claim.at) && !decides(claim.to)) continue;
      for (const auto* names : {&claim.cases, &claim.per}) {
        for (const std::string& name : *names) out.insert(name.find('/') == std::string::npos ? f->name + "/" + name : name);
      }
    }
  }
  return out;
}

std::size_t largest_size_to_cut(const std::vector<PlannedBenchmark>& benchmarks,
                                const std::function<double(std::size_t)>& seconds, bool any_case,
                                const std::set<std::string>& keep, double need) {
  std::map<std::string, std::pair<std::size_t, int>> top;  // case -> (index of its largest size, sizes)
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    auto& [index, count] = top.try_emplace(case_key(benchmarks[i]), i, 0).first->second;
    ++count;
    if (benchmarks[i].size > benchmarks[index].size) index = i;
  }
  std::size_t dearest = benchmarks.size(), enough = benchmarks.size();
  for (const auto& [name, entry] : top) {
    if ((entry.second < 2 && !any_case) || keep.count(name)) continue;
    const double s = seconds(entry.first);
    if (dearest == benchmarks.size() || s > seconds(dearest)) dearest = entry.first;
    if (need > 0 && s >= need && (enough == benchmarks.size() || s < seconds(enough))) enough = entry.first;
  }
  return enough != benchmarks.size() ? enough : dearest;
}

std::vector<int> split_repetitions(int repetitions, int passes) {
  repetitions = std::max(1, repetitions);
  passes = std::clamp(passes, 1, repetitions);
  std::vector<int> out(static_cast<std::size_t>(passes), repetitions / passes);
  for (int i = 0; i < repetitions % passes; ++i) ++out[static_cast<std::size_t>(i)];
  return out;
}

double report_seconds(std::size_t benchmarks) { return 10 + 0.03 * static_cast<double>(benchmarks); }

Fit fit_to_budget(Plan& plan, const Costs& costs, int repetitions, double min_time, std::size_t fixture_capacity,
                  double calibration_s, const Budget& budget) {
  const std::vector<int> split = split_repetitions(repetitions, budget.passes);
  // What each planned benchmark costs; a family's structures stay built
  // between its interleaved repetitions while they fit in the fixture
  // cache, the largest ones beyond it are built again for each.
  auto pass_seconds = [&](const std::vector<PlannedBenchmark>& benchmarks, std::vector<double>* each) {
    std::map<const Family*, std::vector<std::size_t>> by_family;
    for (std::size_t i = 0; i < benchmarks.size(); ++i) by_family[benchmarks[i].family].push_back(i);
    std::vector<double> seconds(benchmarks.size(), 0);
    for (auto& [family, indexes] : by_family) {
      std::sort(indexes.begin(), indexes.end(), [&](std::size_t a, std::size_t b) {
        return peak_bytes_of(*benchmarks[a].c, benchmarks[a].size) < peak_bytes_of(*benchmarks[b].c, benchmarks[b].size);
      });
      double held = 0;
      for (std::size_t i : indexes) {
        const PlannedBenchmark& b = benchmarks[i];
        const auto cost = costs.find(case_key(b));
        if (cost == costs.end()) continue;
        held += peak_bytes_of(*b.c, b.size);
        // every pass builds its structures again (and searches for the
        // iteration count again)
        for (int reps : split) {
          const int builds = held > static_cast<double>(fixture_capacity) ? reps : 1;
          seconds[i] += benchmark_seconds(cost->second, b.size, reps, min_time, builds);
        }
      }
    }
    double total = 0;
    for (double s : seconds) total += s;
    if (each) *each = seconds;
    return total;
  };
  auto estimate_of = [&](const std::vector<PlannedBenchmark>& benchmarks) {
    TimeEstimate e;
    e.calibration_s = calibration_s;
    e.fixed_s = kFixedSeconds;
    e.report_s = report_seconds(benchmarks.size());
    e.simulate_s = budget.simulate_s;
    e.first_pass_s = pass_seconds(benchmarks, nullptr);
    e.passes = static_cast<int>(split.size());
    const double left = budget.seconds - e.calibration_s - e.fixed_s - e.report_s - e.simulate_s - e.first_pass_s;
    e.reruns_s = repetitions >= 2 ? std::clamp(left, 0.0, e.first_pass_s) : 0;
    return e;
  };
  Fit fit;
  auto finish = [&] {
    fit.estimate = estimate_of(plan.benchmarks);
    std::vector<double> each;
    pass_seconds(plan.benchmarks, &each);
    for (std::size_t i = 0; i < plan.benchmarks.size(); ++i) fit.seconds[plan.benchmarks[i].name] = each[i];
    return fit;
  };
  fit.untrimmed = estimate_of(plan.benchmarks);
  if (!budget.cut) return finish();
  const double for_passes = budget.seconds - calibration_s - kFixedSeconds;
  // Drop the most expensive benchmark among the largest sizes of cases
  // that keep at least two, until the first pass and the report fit in
  // 60% of what is left, and with the simulation in 85% (the reruns get
  // the rest: the simulation takes its time from them first); where that
  // is not enough, the most expensive of any. A size a claim needs is worth
  // more than reruns of noisy points: once only those sizes are left, the
  // first pass may take 65% (a default run had lost its shuffled list at
  // 16 Mi nodes, and with it the suite's first claim, to keep 40%).
  std::vector<double> each;
  double first = pass_seconds(plan.benchmarks, &each);
  // A size that saves less than this is not worth its points while a
  // later phase can save more: cutting the cheap small sizes of a ladder
  // one by one gains nothing and empties it (a default run had cut the
  // huge-page chase to one size, 0 s each, before a claim's size).
  const double negligible = kNegligibleShare * first;
  bool any_size = false;
  // First the sizes no claim needs; then the largest sizes of the cases a
  // claim compares beyond a level too (the claim is then left undecided,
  // and the report says why); then the last size of any case.
  std::set<std::string> keep = claim_cases_beyond(plan.benchmarks);
  // how much the first pass and the report run over their share (> 0: too long)
  double first_share = kFirstPassShare;
  auto excess = [&] {
    const double first_and_report = first + report_seconds(plan.benchmarks.size());
    return std::max(first_and_report - first_share * for_passes,
                    first_and_report + budget.simulate_s - 0.85 * for_passes);
  };
  for (double over = excess(); over > 0 && plan.benchmarks.size() > 1; over = excess()) {
    const std::size_t victim =
        largest_size_to_cut(plan.benchmarks, [&each](std::size_t i) { return each[i]; }, any_size, keep, over);
    if (victim == plan.benchmarks.size() || each[victim] <= 0 || (!any_size && each[victim] < negligible)) {
      if (any_size) break;  // nothing left to cut
      if (keep.empty()) any_size = true;
      keep.clear();
      first_share = kClaimFirstPassShare;
      continue;
    }
    const PlannedBenchmark& b = plan.benchmarks[victim];
    fit.cut.push_back({b.name, "left out to fit the time budget of " + format_seconds(budget.seconds) +
                                   " (estimated " + format_seconds(each[victim]) +
                                   " for this size; --budget or --full runs it)"});
    plan.benchmarks.erase(plan.benchmarks.begin() + static_cast<std::ptrdiff_t>(victim));
    first = pass_seconds(plan.benchmarks, &each);
  }
  plan.skipped.insert(plan.skipped.end(), fit.cut.begin(), fit.cut.end());
  return finish();
}

Costs calibrate(const Plan& plan, const Costs& cached, double& spent_s) {
  const auto t0 = Clock::now();
  Costs costs;
  std::vector<PlannedBenchmark> runs;
  for (const PlannedBenchmark& b : plan.benchmarks) {
    const std::string key = case_key(b);
    if (costs.count(key)) continue;
    const auto sizes = sizes_for(plan, *b.family, *b.c);
    const std::size_t n = calibration_size(sizes, *b.c);
    if (n == 0) {
      costs[key] = modelled_cost(*b.c, sizes.front());
      continue;
    }
    const auto hit = cached.find(key);
    if (hit != cached.end() && hit->second.size == n) {
      costs[key] = hit->second;
      continue;
    }
    costs[key] = {n, 0, 0};
    runs.push_back({benchmark_name(*b.family, *b.c, n), b.family, b.c, n});
  }
  if (!runs.empty()) {
    std::fprintf(stderr, "bench_all: timing %zu case(s) to plan the run ...\n", runs.size());
    // Each case: twice at its size (the first call builds the structure,
    // the second finds it in the fixture cache), once at an eighth of it.
    std::vector<PlannedBenchmark> all;
    for (const PlannedBenchmark& b : runs) {
      all.push_back(b);
      if (b.size >= 8) all.push_back({benchmark_name(*b.family, *b.c, b.size / 8), b.family, b.c, b.size / 8});
    }
    Registration reg;
    reg.repetitions = 1;
    reg.fixed_iterations = [](std::size_t) { return std::size_t{1}; };
    benchmark::ClearRegisteredBenchmarks();
    register_benchmarks(all, reg);
    IterationTimes times;
    auto once = [&times](const std::string& name) {
      times.seconds.clear();
      const auto start = Clock::now();
      benchmark::RunSpecifiedBenchmarks(&times, "^" + name + "(/.*)?$");
      const double wall = std::chrono::duration<double>(Clock::now() - start).count();
      const double iteration = times.seconds.empty() ? 0 : times.seconds.begin()->second;
      return std::pair<double, double>{wall, iteration};
    };
    for (const PlannedBenchmark& b : runs) {
      const auto [built_wall, first_iteration] = once(b.name);
      const auto [wall, iteration] = once(b.name);
      CaseCost& cost = costs[case_key(b)];
      cost.iteration_s = std::min(first_iteration, iteration);
      cost.setup_s = std::max(0.0, built_wall - wall);
      cost.call_s = std::max(0.0, wall - iteration - kPerRunSeconds);
      if (b.size >= 8) {
        const double small = once(benchmark_name(*b.family, *b.c, b.size / 8)).second;
        if (small > 0 && cost.iteration_s > 0) {
          cost.growth = std::clamp(std::log(cost.iteration_s / small) / std::log(8.0), 1.0, kMaxGrowth);
        }
      }
    }
    benchmark::ClearRegisteredBenchmarks();
  }
  spent_s += std::chrono::duration<double>(Clock::now() - t0).count();
  return costs;
}

std::filesystem::path cost_cache_path() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::filesystem::path base = xdg && *xdg ? xdg : home && *home ? std::filesystem::path(home) / ".cache" : "";
  if (base.empty()) return {};
  return base / "locality" / "costs.json";
}

Costs read_cost_cache(const std::filesystem::path& path, const std::string& key) {
  Costs costs;
  if (path.empty()) return costs;
  try {
    std::ifstream in(path);
    if (!in) return costs;
    const auto all = nlohmann::json::parse(in);
    const auto& section = all.at(key);
    const double now = static_cast<double>(std::time(nullptr));
    if (now - section.at("written").get<double>() > 7 * 24 * 3600.0) return costs;
    for (const auto& [name, c] : section.at("costs").items()) {
      costs[name] = {c.at("size").get<std::size_t>(), c.at("setup_s").get<double>(), c.at("iteration_s").get<double>(),
                     c.at("call_s").get<double>(), c.at("growth").get<double>()};
    }
  } catch (const std::exception&) {
    costs.clear();
  }
  return costs;
}

void write_cost_cache(const std::filesystem::path& path, const std::string& key, const Costs& costs) {
  if (path.empty()) return;
  try {
    nlohmann::json all = nlohmann::json::object();
    if (std::ifstream in(path); in) {
      try {
        all = nlohmann::json::parse(in);
      } catch (const std::exception&) {
        all = nlohmann::json::object();
      }
    }
    nlohmann::json section = {{"written", static_cast<double>(std::time(nullptr))}, {"costs", nlohmann::json::object()}};
    for (const auto& [name, c] : costs) {
      section["costs"][name] = {{"size", c.size}, {"setup_s", c.setup_s}, {"iteration_s", c.iteration_s},
                                {"call_s", c.call_s}, {"growth", c.growth}};
    }
    all[key] = section;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    rewrite_own_file(path, all.dump(1) + "\n");  // the cache is ours to replace
  } catch (const std::exception&) {
  }
}

std::string format_seconds(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld s", s);
  }
  return buf;
}

std::optional<double> parse_duration(const std::string& text) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    return std::nullopt;
  }
  const std::string unit = text.substr(pos);
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "m" || unit == "min") scale = 60;
  else if (unit == "h") scale = 3600;
  if (scale == 0 || !std::isfinite(v) || v <= 0 || v * scale > 30 * 24 * 3600.0) return std::nullopt;
  return v * scale;
}

}  // namespace locality
