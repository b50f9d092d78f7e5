#include "runners/api.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>
#include <stdexcept>

#include "cases/family.h"
#include "runners/context.h"
#include "runners/counters.h"
#include "runners/events.h"
#include "runners/machine.h"
#include "runners/papi_backend.h"
#include "runners/result_file.h"

namespace locality::api {
namespace {

CountersStatus& status() {
  static CountersStatus s = [] {
    CountersStatus none;
    none.status = "off";
    none.reason = "hardware counters not requested";
    return none;
  }();
  return s;
}

const Case* find_case(const std::string& family_case, const Family** family_out) {
  for (const Family& f : families()) {
    for (const Case& c : f.cases) {
      if (f.name + "/" + c.name == family_case) {
        *family_out = &f;
        return &c;
      }
    }
  }
  return nullptr;
}

std::string known_cases() {
  std::string all;
  for (const Family& f : families()) {
    for (const Case& c : f.cases) all += (all.empty() ? "" : ", ") + f.name + "/" + c.name;
  }
  return all;
}

std::size_t llc_bytes() {
  const auto llc = last_level_cache(read_caches());
  return llc ? llc->size_bytes : (32u << 20);
}

}  // namespace

std::string version() { return this_build().suite_version; }

std::string catalogue_json() {
  nlohmann::json out;
  nlohmann::json fams = nlohmann::json::array();  // in teaching order
  for (const Family& f : families()) {
    nlohmann::json cases = nlohmann::json::array();
    for (const Case& c : f.cases) {
      nlohmann::json entry = {{"name", c.name}, {"summary", c.summary}, {"max_elements", c.max_elements}};
      if (c.ladder) {
        entry["ladder"] = c.ladder(llc_bytes(), false);
        entry["quick_ladder"] = c.ladder(llc_bytes(), true);
      }
      cases.push_back(entry);
    }
    nlohmann::json family = {{"name", f.name}, {"demonstrates", f.demonstrates},
                             {"expected", f.expected}, {"cases", cases}};
    if (f.ladder) {
      family["ladder"] = f.ladder(llc_bytes(), false);
      family["quick_ladder"] = f.ladder(llc_bytes(), true);
    }
    fams.push_back(family);
  }
  out["families"] = fams;
  out["ladder"] = size_ladder(llc_bytes(), false);
  out["quick_ladder"] = size_ladder(llc_bytes(), true);
  return out.dump();
}

std::string machine_json(const std::string& counters) {
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
  const auto now = std::chrono::system_clock::now();
  return locality_context(utc_iso(now), read_caches(), status()).dump();
}

std::string run_json(const std::string& family_case, std::size_t elements, int repetitions,
                     double min_time) {
  const Family* family = nullptr;
  const Case* c = find_case(family_case, &family);
  if (c == nullptr) {
    throw std::invalid_argument("unknown case '" + family_case + "'; cases are: " + known_cases());
  }
  if (elements < 1) throw std::invalid_argument("size must be at least 1 element");
  if (c->max_elements != 0 && elements > c->max_elements) {
    throw std::invalid_argument(family_case + ": size " + std::to_string(elements) +
                                " is out of range (at most " + std::to_string(c->max_elements) +
                                ": " + c->max_elements_why + ")");
  }
  const auto available = mem_available_bytes();
  const double need = c->peak_bytes_per_element * static_cast<double>(elements);
  if (available && need > 0.8 * static_cast<double>(*available)) {
    throw std::invalid_argument(family_case + ": size " + std::to_string(elements) + " needs about " +
                                std::to_string(static_cast<long long>(need / (1 << 20))) +
                                " MiB, more than 80% of the memory available");
  }
  if (repetitions < 1) throw std::invalid_argument("repetitions must be at least 1");

  benchmark::ClearRegisteredBenchmarks();
  RegisterOptions options;
  options.ladder = {elements};
  options.select = [c](const Family&, const Case& other) { return &other == c; };
  options.repetitions = repetitions;
  options.min_time = min_time;
  register_benchmarks(options);

  benchmark::JSONReporter reporter;
  std::ostringstream text;
  reporter.SetOutputStream(&text);
  reporter.SetErrorStream(&text);
  benchmark::RunSpecifiedBenchmarks(&reporter, ".");
  benchmark::ClearRegisteredBenchmarks();
  nlohmann::json result = parse_benchmark_json(text.str());
  for (auto& b : result["benchmarks"]) {
    for (const char* key : {"name", "run_name"}) {
      if (b.contains(key)) b[key] = without_run_options(b[key].get<std::string>());
    }
  }
  return result.dump();
}

}  // namespace locality::api
