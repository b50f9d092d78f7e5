// context.locality of a result file, as the results contract in DESIGN.md
// defines it: the build, the machine, the counters status and the text of
// every family.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "runners/counters.h"
#include "runners/machine.h"

namespace locality {

// Bump together with every reader when a key of context.locality changes.
inline constexpr int kSchemaVersion = 1;

struct BuildInfo {
  std::string suite_version;
  std::string git_commit;
  std::string compiler;
  std::string build_flags;
};

// The build this program was compiled as (set by CMake).
BuildInfo this_build();

// Parses Google Benchmark's JSON output. It writes NaN and Infinity bare (for
// example the coefficient of variation of a counter whose mean is 0), which
// is not JSON; such values are undefined, so their keys are dropped: absent,
// never a made-up number.
nlohmann::json parse_benchmark_json(const std::string& text);

// A benchmark name without the "/min_time:0.010", "/repeats:3" and
// "/iterations:64" parts Google Benchmark appends when a benchmark sets
// them, so names stay <family>/<case>/<elements>[_aggregate].
std::string without_run_options(const std::string& name);

nlohmann::json locality_context(const std::string& started_utc,
                                const std::vector<CacheLevel>& caches,
                                const CountersStatus& counters);

}  // namespace locality
