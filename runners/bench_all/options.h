// bench_all's command line: one table of flags gives both the parser and
// the usage text (as Google Benchmark declares each of its flags once).
// Bad input is one line and exit status 2, before anything runs.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "runners/lib/plan.h"

namespace locality {

struct Options {
  bool list = false;
  bool dry_run = false;
  bool quick = false;
  bool list_counters = false;
  bool list_tests = false;
  // --simulate (true), --no-simulate (false); unset: the default run's
  // stated subset where there are no hardware miss counters.
  std::optional<bool> simulate;
  bool simulation_child = false;  // internal: the run under valgrind
  bool pin = true;
  bool full = false;
  bool budget_given = false;
  double budget = 600;  // seconds, the report included
  std::size_t simulate_max_elements = std::size_t{1} << 20;
  std::optional<std::string> counters;
  std::string out;
  double precision = 0.05;
  std::optional<double> rerun_budget;
  std::optional<int> repetitions;
  std::optional<int> passes;  // --passes; unset: 2 for a timed run, 1 for --quick
  std::optional<double> min_time;
  std::optional<bool> interleave;
  PlanOptions plan;
  std::vector<std::string> benchmark_args;  // passed to Google Benchmark
  std::vector<std::string> notes;           // printed once the run starts
};

// The options of this command line; exits (0 after --help or --version,
// 2 with one line on bad input) where nothing is to run.
Options parse_options(int argc, char** argv);

// The usage text, from the flag table.
std::string usage_text();

// One line to stderr and exit 2.
[[noreturn]] void usage_error(const std::string& message);

}  // namespace locality
