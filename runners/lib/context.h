// context.locality of a result file, as report/locality/result.schema.json defines
// it: the build, the machine, the counters status, how the run sampled, and
// every family's descriptor, so that the report needs no knowledge of the
// C++ sources.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/counters.h"
#include "core/family.h"
#include "core/machine.h"

namespace locality {

// Bump together with the schema and every reader when a key of
// context.locality changes.
inline constexpr int kSchemaVersion = 2;

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

// A benchmark name without the "/min_time:0.010", "/repeats:3",
// "/iterations:64", "/real_time" ... parts Google Benchmark appends when a
// benchmark sets them, so names stay <family>/<case>/<size>[_aggregate].
std::string without_run_options(const std::string& name);

// The descriptor of every family, as the report reads it; `llc_bytes` sizes
// the ladders listed.
nlohmann::json families_json(std::size_t llc_bytes, bool quick);

// The machine as a result file records it: its caches, and the rest.
nlohmann::json caches_json(const std::vector<CacheLevel>& caches);
nlohmann::json machine_json(const Machine& m);
// One line for a cache figure that was not used as reported:
// "L3 size 508 MiB: more than ...; used: 32 MiB".
std::string cache_note_text(const CacheNote& n);

// context.locality without the parts only a whole run knows (run,
// sampling, calibration, warnings): schema, build, machine, counters,
// kernels, gap buckets and families.
nlohmann::json locality_context(const std::string& started_utc, const Machine& machine,
                                const CountersStatus& counters, std::size_t llc_bytes, bool quick);

}  // namespace locality
