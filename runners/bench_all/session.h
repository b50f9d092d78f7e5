// A run in progress: its options and plan, the passes of Google
// Benchmark's runner family by family, reruns of noisy points, progress,
// pinning, signals and the time budget.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runners/bench_all/options.h"
#include "runners/bench_all/reporters.h"
#include "runners/lib/budget.h"
#include "runners/lib/plan.h"

namespace locality {

// The signal that asked the run to stop (0: none).
extern volatile std::sig_atomic_t g_signal;

// The first SIGINT, SIGTERM or SIGHUP (a closed terminal) lets the
// benchmark running finish and skips the rest, so that what was measured
// is written; the handler resets itself, so a second signal ends the
// program at once. SIGPIPE (stdout or stderr piped into a reader that
// quit) does the same, but stays caught: every later write to that pipe
// raises it again, and the run must still reach its file.
void catch_signals();
const char* signal_name(int signo);

// Prints "[k/N m:ss] name" to stderr when a benchmark's repetition starts.
class Progress {
 public:
  void set_total(std::size_t total) {
    total_ = total;
    done_ = 0;
    last_.clear();
  }
  void start(const std::string& name) {
    if (name == last_) return;  // the same repetition's next calibration step
    last_ = name;
    ++done_;
    const long s = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::steady_clock::now() - t0_)
                                         .count());
    std::fprintf(stderr, "[%zu/%zu %ld:%02ld] %s\n", std::min(done_, total_), total_, s / 60, s % 60, name.c_str());
  }

 private:
  std::size_t total_ = 0;
  std::size_t done_ = 0;
  std::string last_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

constexpr int kRerunRepetitions = 4;  // added to a noisy point per round
// Where no time budget applies (--full, --sizes): the reruns stop at it.
constexpr double kDefaultRunSeconds = 540;

struct Session {
  Options opt;
  Plan plan;
  Progress progress;
  int repetitions = 5;
  // The repetitions of each pass over the plan (split_repetitions): {5}, {3, 2}.
  std::vector<int> pass_repetitions = {5};
  double min_time = 0.05;
  std::vector<nlohmann::json> passes;
  std::vector<nlohmann::json> reruns;  // what each rerun pass ran
  bool interrupted = false;
  bool out_of_time = false;
  // No benchmark run starts after it (unset: --full, --sizes).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // The plan's estimate of each benchmark in the first pass, and how the
  // families run so far compare with theirs.
  std::map<std::string, double> estimate;
  double estimated_done = 0;
  double actual_done = 0;
  std::unique_ptr<Display> display;
  std::unique_ptr<Journal> journal;
};

// Calls Google Benchmark's Initialize with the run's repetitions, minimum
// time and the user's flags for it; exits 2 on flags it does not know.
void initialize_google_benchmark(const char* argv0, const Session& s, bool interleave);

// Times the cases once (or takes their costs from the cache), estimates
// the plan and trims it to the budget, keeping `simulate_s` seconds for
// the simulation after the passes.
Fit plan_to_budget(Session& s, double& calibration_s, double simulate_s);

// Pins the run to the last allowed CPU (unless --no-pin) and records it.
int pin_cpu(const Options& opt, nlohmann::json& sampling);

// Runs `benchmarks` family by family: inside a family, every benchmark's
// repetitions are interleaved in a random order, so that a disturbance of
// the machine spreads over several benchmarks instead of spoiling one, and
// the family's structures stay in the fixture cache between repetitions.
// With `scheduled_share` > 0 (the first pass: its share of each benchmark's
// estimate), a family that starts behind schedule loses its largest sizes
// (keep_to_schedule).
void run_by_family(Session& s, const std::vector<PlannedBenchmark>& benchmarks, int repetitions, double scheduled_share);

// Runs the plan in passes (s.pass_repetitions), each over every family in
// turn, the fixture cache emptied between them: a claim's rounds then span
// the run's minutes and more than one build of each structure.
void run_passes(Session& s);

// More repetitions for the points whose interval is wider than the
// precision asked for, round after round, while the rerun budget lasts.
void rerun_noisy_points(Session& s, double first_pass_s, std::chrono::steady_clock::time_point run_start);

}  // namespace locality
