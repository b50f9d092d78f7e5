#include "runners/context.h"

#include <regex>

#include "cases/family.h"
#include "runners/build_info.h"

namespace locality {

nlohmann::json parse_benchmark_json(const std::string& text) {
  static const std::regex bare(R"((:\s*)-?(NaN|nan|Infinity|inf)\b)");
  nlohmann::json result = nlohmann::json::parse(std::regex_replace(text, bare, "$1null"));
  for (auto& entry : result["benchmarks"]) {
    for (auto it = entry.begin(); it != entry.end();) {
      it = it->is_null() ? entry.erase(it) : std::next(it);
    }
  }
  return result;
}

std::string without_run_options(const std::string& name) {
  static const std::regex options(R"(/(min_time:[0-9.]+|repeats:[0-9]+|iterations:[0-9]+))");
  return std::regex_replace(name, options, "");
}

BuildInfo this_build() {
  return {LOCALITY_SUITE_VERSION, LOCALITY_GIT_COMMIT, LOCALITY_COMPILER, LOCALITY_BUILD_FLAGS};
}

nlohmann::json locality_context(const std::string& started_utc,
                                const std::vector<CacheLevel>& caches,
                                const CountersStatus& counters) {
  using nlohmann::json;
  const BuildInfo build = this_build();
  json cache_list = json::array();
  for (const auto& c : caches) {
    cache_list.push_back({{"level", c.level},
                          {"type", c.type},
                          {"size_bytes", c.size_bytes},
                          {"line_bytes", c.line_bytes},
                          {"ways", c.ways}});
  }
  json families = json::object();
  for (const Family& f : locality::families()) {
    json cases = json::object();
    for (const Case& c : f.cases) cases[c.name] = c.summary;
    families[f.name] = {{"demonstrates", f.demonstrates}, {"expected", f.expected}, {"cases", cases}};
  }
  return {
      {"schema", kSchemaVersion},
      {"suite_version", build.suite_version},
      {"git_commit", build.git_commit},
      {"compiler", build.compiler},
      {"build_flags", build.build_flags},
      {"cpu_model", cpu_model()},
      {"host", host_name()},
      {"kernel", kernel_release()},
      {"started_utc", started_utc},
      {"caches", cache_list},
      {"counters",
       {{"backend", counters.backend},
        {"events", counters.events},
        {"status", counters.status},
        {"reason", counters.reason},
        {"multiplexed", counters.multiplexed}}},
      {"families", families},
  };
}

}  // namespace locality
