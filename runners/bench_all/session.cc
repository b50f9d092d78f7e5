#include "runners/bench_all/session.h"

#include <algorithm>
#include <iostream>

#include "core/cpus.h"
#include "core/fixture.h"
#include "core/platform.h"
#include "core/machine.h"
#include "runners/lib/context.h"
#include "runners/lib/sampling.h"
#include "runners/lib/simulate.h"

namespace locality {

volatile std::sig_atomic_t g_signal = 0;

namespace {
extern "C" void on_signal(int signo) { g_signal = signo; }
}  // namespace

void catch_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int signo : {SIGINT, SIGTERM, SIGHUP}) sigaction(signo, &sa, nullptr);
  sa.sa_flags = 0;
  sigaction(SIGPIPE, &sa, nullptr);
}

const char* signal_name(int signo) {
  switch (signo) {
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP (the terminal closed)";
    case SIGPIPE: return "SIGPIPE (the output's reader quit)";
    default: return "SIGINT";
  }
}

namespace {

// Before a family's turn in the first pass: where the families so far took
// longer than estimated, and what is left would not end by the deadline at
// that pace, the family's share of the time left is what it gets: its
// dearest largest sizes (of cases that keep two) are left out, said, and
// listed as skipped. So a slow machine loses the ends of ladders, never the
// last families. The estimates are of the whole run (every pass): a size
// cut now is not run in the later passes either, and `done_later`, the
// later passes of the families already run, still has to fit.
void keep_to_schedule(Session& s, std::vector<PlannedBenchmark>& group, const std::vector<PlannedBenchmark>& later,
                      double done_later) {
  const double pace = s.estimated_done > 20 ? std::clamp(s.actual_done / s.estimated_done, 1.0, 4.0) : 1.0;
  double group_est = 0, later_est = 0;
  for (const auto& b : group) group_est += s.estimate[b.name];
  for (const auto& b : later) later_est += s.estimate[b.name];
  const double left =
      std::chrono::duration<double>(*s.deadline - std::chrono::steady_clock::now()).count() - done_later * pace;
  if ((group_est + later_est) * pace <= left || group_est <= 0) return;
  const double share = std::max(0.0, left) * group_est / (group_est + later_est) / pace;
  std::vector<std::string> cut;
  while (group_est > share) {
    const std::size_t victim = largest_size_to_cut(
        group, [&](std::size_t i) { return s.estimate[group[i].name]; }, false, {}, group_est - share);
    if (victim == group.size()) break;
    group_est -= s.estimate[group[victim].name];
    cut.push_back(group[victim].name);
    group.erase(group.begin() + static_cast<std::ptrdiff_t>(victim));
  }
  if (cut.empty()) return;
  char pace_text[32];
  std::snprintf(pace_text, sizeof pace_text, "%.1fx", pace);
  std::cerr << "bench_all: behind schedule (the run so far took " << pace_text << " its estimate): leaving out "
            << cut.size() << " of the largest sizes of " << group.front().family->name << " to keep to the budget\n";
  for (const auto& name : cut) {
    s.plan.skipped.push_back({name, std::string("left out during the run to fit the time budget: the run was ") +
                                        pace_text + " slower than estimated (--budget or --full runs it)"});
    s.plan.benchmarks.erase(std::remove_if(s.plan.benchmarks.begin(), s.plan.benchmarks.end(),
                                           [&name](const PlannedBenchmark& b) { return b.name == name; }),
                            s.plan.benchmarks.end());
  }
}

// One call of Google Benchmark's runner over `benchmarks`.
nlohmann::json run_pass(Session& s, const std::vector<PlannedBenchmark>& benchmarks, int repetitions) {
  benchmark::ClearRegisteredBenchmarks();
  Registration reg;
  // The first pass takes its repetitions and the minimum time from the
  // flags given to Google Benchmark (names on the display stay plain); a
  // later pass with fewer repetitions, and reruns, set their own count.
  reg.repetitions = repetitions == s.pass_repetitions.front() ? 0 : repetitions;
  reg.on_start = [&s](const PlannedBenchmark& b) -> std::string {
    if (g_signal != 0) {
      if (!s.interrupted) {
        std::cerr << "bench_all: " << signal_name(g_signal)
                  << ": skipping the rest and writing what was measured (again to stop at once)\n";
      }
      s.interrupted = true;
      return kNotRunInterrupted;
    }
    if (s.deadline && std::chrono::steady_clock::now() > *s.deadline) {
      if (!s.out_of_time) std::cerr << "bench_all: the time budget is spent: skipping the rest\n";
      s.out_of_time = true;
      return kNotRunOutOfTime;
    }
    set_simulation_label(b.name);
    s.progress.start(b.name);
    return "";
  };
  if (s.opt.simulation_child) {
    // Every simulated benchmark covers at least 64 Ki units, so the few
    // misses of the benchmark loop's own bookkeeping stay below 0.001 per
    // unit even at the smallest size.
    reg.fixed_iterations = [](std::size_t n) { return std::max<std::size_t>(1, (std::size_t{1} << 16) / n); };
  }
  register_benchmarks(benchmarks, reg);
  Capture capture(s.journal.get(), &s.passes);
  if (!s.display) s.display = std::make_unique<Display>();
  benchmark::RunSpecifiedBenchmarks(s.display.get(), &capture);
  return parse_benchmark_json(capture.text());
}

// Points whose interval is wider than the precision asked for, worst first,
// as many as the budget allows given what a repetition of each cost.
std::vector<PlannedBenchmark> noisy_points(const Session& s, const nlohmann::json& merged, double budget_seconds) {
  std::map<std::string, double> seconds_per_rep;
  for (const auto& b : merged) {
    if (b.value("run_type", "") != "iteration" || b.value("error_occurred", false)) continue;
    const double unit = b.value("time_unit", "ns") == "ns" ? 1e-9 : b.value("time_unit", "") == "us" ? 1e-6
                        : b.value("time_unit", "") == "ms" ? 1e-3 : 1.0;
    auto& t = seconds_per_rep[b["run_name"].get<std::string>()];
    t = std::max(t, b.value("real_time", 0.0) * unit * b.value("iterations", 1.0));
  }
  std::vector<std::pair<double, const PlannedBenchmark*>> wide;
  const auto times = times_per_unit(merged);
  for (const auto& b : s.plan.benchmarks) {
    auto it = times.find(b.name);
    if (it == times.end() || it->second.size() < 2) continue;
    const double w = point_stats(it->second, statistic_of(*b.family, *b.c), b.name).relative_half_width();
    if (w > s.opt.precision) wide.push_back({w, &b});
  }
  std::sort(wide.begin(), wide.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const PlannedBenchmark*> picked;
  double spent = 0;
  for (const auto& [w, b] : wide) {
    // the measured time, and about as much again for calibrating and building
    const double cost = 2.5 * std::max(seconds_per_rep[b->name], s.min_time) * kRerunRepetitions;
    if (spent + cost > budget_seconds) continue;
    spent += cost;
    picked.push_back(b);
  }
  // In the plan's order, so that each family's reruns run together.
  std::sort(picked.begin(), picked.end());
  std::vector<PlannedBenchmark> out;
  for (const auto* b : picked) out.push_back(*b);
  return out;
}

}  // namespace

// Runs `benchmarks` family by family: inside a family, every benchmark's
// repetitions are interleaved in a random order, so that a disturbance of
// the machine spreads over several benchmarks instead of spoiling one, and
// the family's structures (a few GiB at most) stay in the fixture cache
// between repetitions instead of being rebuilt for each.
void run_by_family(Session& s, const std::vector<PlannedBenchmark>& benchmarks, int repetitions, double scheduled_share) {
  s.progress.set_total(benchmarks.size() * static_cast<std::size_t>(repetitions));
  const bool scheduled = scheduled_share > 0;
  std::vector<PlannedBenchmark> group;
  double done_later = 0;  // the later passes' share of the families run (as kept)
  for (std::size_t i = 0; i < benchmarks.size() && !s.interrupted && !s.out_of_time; ++i) {
    group.push_back(benchmarks[i]);
    if (i + 1 == benchmarks.size() || benchmarks[i + 1].family != benchmarks[i].family) {
      double estimated = 0;
      if (scheduled && s.deadline) {
        keep_to_schedule(s, group,
                         std::vector<PlannedBenchmark>(benchmarks.begin() + static_cast<std::ptrdiff_t>(i) + 1, benchmarks.end()),
                         done_later);
        for (const auto& b : group) {
          estimated += scheduled_share * s.estimate[b.name];
          done_later += (1 - scheduled_share) * s.estimate[b.name];
        }
      }
      const auto t0 = std::chrono::steady_clock::now();
      s.passes.push_back(run_pass(s, group, repetitions));
      if (s.journal) s.journal->flush(s.passes);
      if (scheduled) {
        s.actual_done += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        s.estimated_done += estimated;
      }
      group.clear();
    }
  }
}

void run_passes(Session& s) {
  const std::vector<int>& split = s.pass_repetitions;
  const double first_share = static_cast<double>(split.front()) / s.repetitions;
  for (std::size_t p = 0; p < split.size() && !s.interrupted && !s.out_of_time; ++p) {
    if (p > 0) {
      // Each pass builds its structures anew, so that where they land in
      // memory (cache sets, pages) is sampled as the next run would
      // sample it, as the machine's slower moods are by the time between
      // the passes.
      Fixtures::clear();
      std::cerr << "bench_all: pass " << p + 1 << " of " << split.size() << " (" << split[p]
                << " more repetition(s) of every benchmark)\n";
    }
    // A copy: keeping to the schedule removes benchmarks from the plan.
    const std::vector<PlannedBenchmark> planned = s.plan.benchmarks;
    run_by_family(s, planned, split[p], p == 0 ? first_share : 0);
  }
}

void rerun_noisy_points(Session& s, double first_pass_s, std::chrono::steady_clock::time_point run_start) {
  const Options& opt = s.opt;
  if (s.repetitions < 2 || s.interrupted || s.out_of_time || opt.simulation_child) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - run_start).count();
  const double left = s.deadline ? std::chrono::duration<double>(*s.deadline - now).count() - 10
                                 : std::max(60.0, kDefaultRunSeconds - elapsed);
  double budget = opt.rerun_budget.value_or(std::max(0.0, std::min(first_pass_s, left)));
  for (int round = 0; round < 5 && budget > 1 && !s.interrupted && !s.out_of_time; ++round) {
    const auto noisy = noisy_points(s, merge_passes(s.passes), budget);
    if (noisy.empty()) break;
    std::cerr << "bench_all: rerunning " << noisy.size() << " point(s) whose 95% interval is wider than +-"
              << opt.precision * 100 << "%\n";
    const auto t0 = std::chrono::steady_clock::now();
    run_by_family(s, noisy, kRerunRepetitions, 0);
    budget -= std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json names = nlohmann::json::array();
    for (const auto& b : noisy) names.push_back(b.name);
    s.reruns.push_back(names);
  }
}

int pin_cpu(const Options& opt, nlohmann::json& sampling) {
  const std::vector<int> allowed = allowed_cpus();
  int cpu = -1;
  if (opt.pin && !allowed.empty()) {
    // The last allowed CPU: CPU 0 takes more of the system's interrupts.
    cpu = allowed.back();
    if (!pin_this_thread(cpu)) cpu = -1;
  }
  set_run_cpus(cpu, allowed);
  sampling["pinned_cpu"] = cpu >= 0 ? nlohmann::json(cpu) : nlohmann::json();
  sampling["cpu_siblings"] = core_siblings(this_machine(), cpu);
  sampling["allowed_cpus"] = allowed;
  if (cpu < 0) {
    sampling["pin_note"] = opt.pin ? "this system does not let a thread be pinned" : "--no-pin";
  }
  return cpu;
}

void initialize_google_benchmark(const char* argv0, const Session& s, bool interleave) {
  const Options& opt = s.opt;
  // Static: Google Benchmark keeps pointers into argv (the executable name).
  static std::vector<std::string> args;
  args = {argv0, "--benchmark_out=/dev/null",  // ours is the file reporter
          "--benchmark_repetitions=" + std::to_string(s.pass_repetitions.front()),
          "--benchmark_min_time=" + std::to_string(s.min_time)};
  if (interleave) args.push_back("--benchmark_enable_random_interleaving=true");
  args.insert(args.end(), opt.benchmark_args.begin(), opt.benchmark_args.end());
  static std::vector<char*> argv;
  argv.clear();
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  if (benchmark::ReportUnrecognizedArguments(argc, argv.data())) std::exit(2);
}

// Times the cases once (or takes their costs from the cache), estimates
// the plan and trims it to the budget; prints what it cut in one line.
Fit plan_to_budget(Session& s, double& calibration_s, double simulate_s) {
  const Options& opt = s.opt;
  const BuildInfo build = this_build();
  // The machine that runs the cases, whatever topology hwloc was told to
  // report (HWLOC_XMLFILE), and the build.
  const std::string key = host_name() + " | " + this_machine().isa + " | " + build.git_commit;
  const auto cache = cost_cache_path();
  const Costs cached = read_cost_cache(cache, key);
  const Costs costs = calibrate(s.plan, cached, calibration_s);
  Costs kept = cached;  // the other cases' costs stay in the cache
  for (const auto& [name, cost] : costs) kept[name] = cost;
  if (kept.size() != cached.size() || calibration_s > 0.1) write_cost_cache(cache, key, kept);
  Budget budget;
  budget.seconds = opt.budget;
  budget.cut = !opt.full && !s.plan.sizes_given && !opt.simulation_child;
  budget.simulate_s = simulate_s;
  budget.passes = static_cast<int>(s.pass_repetitions.size());
  Fit fit = fit_to_budget(s.plan, costs, s.repetitions, s.min_time, Fixtures::capacity(), calibration_s, budget);
  return fit;
}

}  // namespace locality
