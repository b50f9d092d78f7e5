// The run plan: which benchmarks run, at which sizes, within which memory,
// shared by bench_all and the Python module so that both select, size and
// skip cases the same way.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/family.h"
#include "core/machine.h"

namespace locality {

// Bad input to the plan (an unknown case, a filter that matches nothing);
// what() is one line for the user.
class PlanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PlanOptions {
  std::vector<std::string> selectors;  // FAMILY or FAMILY/CASE; empty: every case
  std::string filter;                  // a Google Benchmark filter regex; empty: all
  std::vector<std::size_t> sizes;      // replace every ladder; empty: the ladders
  bool quick = false;
  std::optional<std::size_t> max_memory;  // bytes; default: 80% of what the limits allow
  std::optional<std::size_t> llc_bytes;   // the last-level cache to size ladders for
};

struct PlannedBenchmark {
  std::string name;  // family/case/size
  const Family* family = nullptr;
  const Case* c = nullptr;
  std::size_t size = 0;
};

struct Skip {
  std::string name;
  std::string reason;
};

struct Plan {
  std::vector<PlannedBenchmark> benchmarks;
  std::vector<Skip> skipped;  // of the selected cases only
  std::vector<std::size_t> ladder;  // the shared ladder (or --sizes)
  bool sizes_given = false;         // --sizes: `ladder` replaces every case's own
  std::size_t llc_bytes = 0;
  // Where llc_bytes came from: the machine's cache source ("hwloc",
  // "sysfs"), "--llc", or "assumed" when nothing described the caches.
  std::string llc_source;
  std::size_t memory_budget = 0;
  std::string memory_budget_source;  // "--max-memory", or which limit bound it
  bool quick = false;
};

// The last-level cache to size ladders for, and where it came from; an
// assumed size (32 MiB) only when nothing describes the caches.
std::pair<std::size_t, std::string> ladder_llc(const Machine& m, std::optional<std::size_t> given);

// Builds the plan; throws PlanError for an unknown family or case, a bad
// filter, or a selection that matches nothing.
Plan make_plan(const Machine& machine, const PlanOptions& options);

// The sizes a case runs at under `plan` (its own ladder, its family's, or
// the shared one; --sizes replaces them all).
std::vector<std::size_t> sizes_for(const Plan& plan, const Family& family, const Case& c);

// Every family/case name, for messages.
std::string known_cases();

// The `names` a Google Benchmark filter selects (same rules: a leading '-'
// negates, "all" and "." match everything); throws PlanError for a bad
// regular expression.
std::vector<std::string> matching(const std::vector<std::string>& names, std::string filter);

// How the planned benchmarks are registered with Google Benchmark.
struct Registration {
  // Per benchmark when set (Google Benchmark then adds "/repeats:N" and
  // such to the names it shows); 0: its flags.
  int repetitions = 0;        // 0: --benchmark_repetitions
  double min_time = 0;        // 0: --benchmark_min_time
  double min_warmup_time = 0;  // 0: --benchmark_min_warmup_time
  // Called before every run of a case function (progress, labels, Ctrl-C,
  // the time budget). Returns why that run is skipped (the benchmark is
  // then marked as an error with that message), or "" to run it.
  std::function<std::string(const PlannedBenchmark&)> on_start;
  // When set, the fixed iteration count for a size.
  std::function<std::size_t(std::size_t size)> fixed_iterations;
};

// Registers `benchmarks` with Google Benchmark, in order. Any exception a
// case throws
// (std::bad_alloc when memory runs out) becomes that benchmark's error
// instead of ending the program.
void register_benchmarks(const std::vector<PlannedBenchmark>& benchmarks, const Registration& registration);

}  // namespace locality
