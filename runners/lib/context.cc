#include "runners/lib/context.h"

#include <sstream>

#include <cmath>
#include <regex>

#include "core/kernels.h"
#include "core/layout.h"
#include "runners/lib/build_info.h"

namespace locality {
namespace {

nlohmann::json number_or_null(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

nlohmann::json unit_json(const Unit& u) { return {{"name", u.name}, {"bytes", u.bytes}}; }

nlohmann::json claim_json(const Claim& c) {
  nlohmann::json j = {{"kind", c.kind},   {"says", c.says},     {"cases", c.cases},
                      {"at", c.at},       {"min", number_or_null(c.min)}, {"max", number_or_null(c.max)},
                      {"every", c.every}, {"match", c.match},  {"rate", c.rate}};
  if (!c.to.empty()) j["to"] = c.to;
  if (!c.counter.empty()) j["counter"] = c.counter;
  if (!c.needs_counter.empty()) {
    j["needs"] = {{"counter", c.needs_counter}, {"min", number_or_null(c.needs_min)}};
  }
  if (!c.hook.empty()) j["hook"] = c.hook;
  if (!c.per.empty()) j["per"] = {{"cases", c.per}, {"bytes", {number_or_null(c.per_bytes[0]), number_or_null(c.per_bytes[1])}}};
  return j;
}

}  // namespace

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
  static const std::regex options(
      R"(/(min_time:[0-9.]+|min_warmup_time:[0-9.]+|repeats:[0-9]+|iterations:[0-9]+|real_time|process_time|manual_time|threads:[0-9]+))");
  return std::regex_replace(name, options, "");
}

BuildInfo this_build() {
  return {LOCALITY_SUITE_VERSION, LOCALITY_GIT_COMMIT, LOCALITY_COMPILER, LOCALITY_BUILD_FLAGS};
}

nlohmann::json families_json(std::size_t llc_bytes, bool quick) {
  nlohmann::json out = nlohmann::json::object();
  for (const Family& f : families()) {
    nlohmann::json cases = nlohmann::json::array();
    for (const Case& c : f.cases) {
      nlohmann::json jc = {{"name", c.name},
                           {"summary", c.summary},
                           {"label", c.label.empty() ? c.name : c.label},
                           {"role", to_string(c.role)},
                           {"unit", unit_json(unit_of(f, c))},
                           {"statistic", to_string(statistic_of(f, c))},
                           {"simulate", c.not_simulated.empty()},
                           {"max_elements", c.max_elements}};
      if (!c.series.empty()) jc["series"] = c.series;
      if (!c.axis.counter.empty()) jc["axis"] = {{"counter", c.axis.counter}, {"label", c.axis.label}};
      if (!c.not_simulated.empty()) jc["not_simulated"] = c.not_simulated;
      if (!c.gallery.empty()) jc["gallery"] = c.gallery;
      if (c.simulated_by_default) jc["simulated_by_default"] = true;
      if (!c.model.kind.empty()) {
        jc["model"] = {{"kind", c.model.kind},       {"bytes", c.model.bytes},
                       {"stride", c.model.stride},   {"page_walks", c.model.page_walks},
                       {"tolerance", c.model.tolerance}, {"parts", c.model.parts}};
      }
      if (const std::string why = unavailable_reason(c); !why.empty()) jc["unavailable"] = why;
      if (has_own_ladder(f, c)) jc["ladder"] = case_sizes(f, c, llc_bytes, quick);
      cases.push_back(jc);
    }
    nlohmann::json claims = nlohmann::json::array();
    for (const Claim& c : f.claims) claims.push_back(claim_json(c));
    out[f.name] = {{"order", f.order},
                   {"title", f.title.empty() ? f.name : f.title},
                   {"demonstrates", f.demonstrates},
                   {"expected", f.expected},
                   {"unit", unit_json(f.unit)},
                   {"size_name", f.size_name},
                   {"metric", to_string(f.metric)},
                   {"statistic", to_string(f.statistic)},
                   {"cycles", f.cycles},
                   {"cases", cases},
                   {"claims", claims}};
  }
  return out;
}

nlohmann::json caches_json(const std::vector<CacheLevel>& caches) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : caches) {
    out.push_back({{"level", c.level},
                   {"type", c.type},
                   {"size_bytes", c.size_bytes},
                   {"line_bytes", c.line_bytes},
                   {"ways", c.ways},
                   {"shared_by", c.shared_by}});
  }
  return out;
}

nlohmann::json cache_notes_json(const std::vector<CacheNote>& notes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& n : notes) {
    out.push_back({{"level", n.level},
                   {"type", n.type},
                   {"field", n.field},
                   {"reported", n.reported},
                   {"used", n.used},
                   {"why", n.why}});
  }
  return out;
}

std::string cache_note_text(const CacheNote& n) {
  const std::string what = n.field == "ways" ? "associativity" : n.field == "line" ? "line size" : "size";
  std::ostringstream text;
  text << "L" << n.level << (n.type == "Data" ? "d" : "") << " " << what << " " << n.reported;
  if (n.field == "level") {
    text << " (" << n.why << "): " << n.used;
  } else {
    text << ": " << n.why << "; used: " << n.used;
  }
  return text.str();
}

nlohmann::json machine_json(const Machine& m) {
  return {{"cache_source", m.cache_source},
          {"caches_reported", caches_json(m.caches_reported)},
          {"cache_notes", cache_notes_json(m.cache_notes)},
          {"memory_bytes", m.memory_bytes},
          {"cpu_model", m.cpu_model},
          {"cpu_model_source", m.cpu_model_source},
          {"isa", m.isa},
          {"logical_cpus", m.logical_cpus},
          {"cores", m.cores},
          {"numa_nodes", m.numa_nodes}};
}

nlohmann::json locality_context(const std::string& started_utc, const Machine& machine,
                                const CountersStatus& counters, std::size_t llc_bytes, bool quick) {
  using nlohmann::json;
  const BuildInfo build = this_build();
  json gaps = json::array();
  for (const auto& b : kGapBuckets) {
    gaps.push_back({{"counter", std::string("gap_share_") + b.name}, {"max_lines", b.max_lines}});
  }
  return {
      {"schema", kSchemaVersion},
      {"suite_version", build.suite_version},
      {"git_commit", build.git_commit},
      {"compiler", build.compiler},
      {"build_flags", build.build_flags},
      {"cpu_model", machine.cpu_model},
      {"host", host_name()},
      {"kernel", kernel_release()},
      {"started_utc", started_utc},
      {"caches", caches_json(machine.caches)},
      {"machine", machine_json(machine)},
      {"kernels", {{"vector_target", kernels::vector_target()}, {"vector_bits", kernels::vector_bits()}}},
      {"counters",
       {{"backend", counters.backend},
        {"events", counters.events},
        {"status", counters.status},
        {"reason", counters.reason},
        {"multiplexed", counters.multiplexed}}},
      {"gap_buckets", gaps},
      {"families", families_json(llc_bytes, quick)},
  };
}

}  // namespace locality
