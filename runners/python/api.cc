#include "runners/python/api.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "core/counters.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/machine.h"
#include "runners/lib/context.h"
#include "runners/lib/events.h"
#include "runners/lib/papi_backend.h"
#include "runners/lib/plan.h"
#include "runners/lib/result_file.h"
#include "runners/lib/sampling.h"

namespace locality::api {
namespace {

std::mutex& lock() {
  static std::mutex m;
  return m;
}

CountersStatus& status() {
  static CountersStatus s = [] {
    CountersStatus none;
    none.status = "off";
    none.reason = "hardware counters not requested";
    return none;
  }();
  return s;
}

Plan plan_for(const std::vector<std::string>& selectors, const std::vector<std::size_t>& sizes, bool quick) {
  PlanOptions options;
  options.selectors = selectors;
  options.sizes = sizes;
  options.quick = quick;
  return make_plan(this_machine(), options);
}

}  // namespace

std::string version() { return this_build().suite_version; }

std::string catalogue_json() {
  const Plan full = plan_for({}, {}, false);
  const Plan quick = plan_for({}, {}, true);
  nlohmann::json out;
  out["families"] = families_json(full.llc_bytes, false);
  nlohmann::json order = nlohmann::json::array();
  nlohmann::json sizes = nlohmann::json::object(), quick_sizes = nlohmann::json::object();
  for (const Family& f : families()) {
    order.push_back(f.name);
    for (const Case& c : f.cases) {
      const std::string name = f.name + "/" + c.name;
      sizes[name] = nlohmann::json::array();
      quick_sizes[name] = nlohmann::json::array();
      for (const auto& b : full.benchmarks) {
        if (b.c == &c) sizes[name].push_back(b.size);
      }
      for (const auto& b : quick.benchmarks) {
        if (b.c == &c) quick_sizes[name].push_back(b.size);
      }
    }
  }
  out["order"] = order;
  out["sizes"] = sizes;
  out["quick_sizes"] = quick_sizes;
  return out.dump();
}

std::string machine_json(const std::string& counters) {
  std::lock_guard<std::mutex> hold(lock());
  if (counters == "none") {
    set_counter_backend(make_none_backend());
    status() = CountersStatus{};
    status().status = "off";
    status().reason = "hardware counters not requested";
  } else {
    const bool explicit_list = counters != "auto";
    PapiProbe probe = probe_papi(parse_counter_list(explicit_list ? counters : "all"));
    if (explicit_list) {
      if (!probe.backend) throw std::runtime_error(probe.status.reason);
      for (const auto& c : probe.choices) {
        if (c.event.empty()) throw std::runtime_error(c.logical + " cannot be read on this machine");
      }
    }
    status() = probe.status;
    set_counter_backend(probe.backend ? std::move(probe.backend) : make_none_backend());
  }
  const Plan plan = plan_for({}, {}, false);
  return locality_context(utc_iso(std::chrono::system_clock::now()), this_machine(), status(), plan.llc_bytes, false)
      .dump();
}

std::string run_json(const std::string& family_case, std::size_t size, int repetitions, double min_time) {
  if (size < 1) throw std::invalid_argument("size must be at least 1");
  if (repetitions < 1) throw std::invalid_argument("repetitions must be at least 1");
  if (!(min_time > 0)) throw std::invalid_argument("min_time must be positive");
  const CaseRef ref = find_case(family_case);
  if (!ref || family_case.find('/') == std::string::npos ||
      family_case != ref.family->name + "/" + ref.c->name) {
    throw std::invalid_argument("unknown case '" + family_case + "'; cases are: " + known_cases());
  }
  std::lock_guard<std::mutex> hold(lock());
  Plan plan;
  try {
    plan = plan_for({family_case}, {size}, false);
  } catch (const PlanError& e) {
    throw std::invalid_argument(family_case + ": " + e.what());
  }
  if (plan.benchmarks.empty()) {
    throw std::invalid_argument(family_case + ": size " + std::to_string(size) + " is out of range (" +
                                plan.skipped.front().reason + ")");
  }
  benchmark::ClearRegisteredBenchmarks();
  Registration reg;
  reg.repetitions = repetitions;
  reg.min_time = min_time;
  register_benchmarks(plan.benchmarks, reg);
  benchmark::JSONReporter reporter;
  std::ostringstream text;
  reporter.SetOutputStream(&text);
  reporter.SetErrorStream(&text);
  benchmark::RunSpecifiedBenchmarks(&reporter, ".");
  benchmark::ClearRegisteredBenchmarks();
  Fixtures::clear();
  nlohmann::json result = parse_benchmark_json(text.str());
  result["benchmarks"] = merge_passes({result});
  return result.dump();
}

std::string write_result(const std::string& content, const std::string& path) {
  const bool default_name = path.empty();
  const std::filesystem::path target =
      default_name ? default_result_path("results", host_name(), utc_stamp(std::chrono::system_clock::now()))
                   : std::filesystem::path(path);
  check_can_create(target);
  return write_new_file(target, content, default_name).string();
}

}  // namespace locality::api
