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

nlohmann::json locality_context(const std::string& started_utc,
                                const std::vector<CacheLevel>& caches,
                                const CountersStatus& counters);

}  // namespace locality
