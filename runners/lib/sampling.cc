#include "runners/lib/sampling.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <set>

#include "runners/lib/context.h"

namespace locality {
namespace {

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double statistic_of(const std::vector<double>& v, Statistic s) {
  return s == Statistic::minimum ? *std::min_element(v.begin(), v.end()) : median_of(v);
}

// Quantile q of sorted values, linear between ranks.
double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// Keys of an entry that are bookkeeping, not measurements.
const std::set<std::string>& not_counters() {
  static const std::set<std::string> keys = {
      "name", "run_name", "run_type", "family_index", "per_family_instance_index", "repetitions",
      "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "error_occurred",
      "error_message", "aggregate_name", "aggregate_unit", "label", "family", "case", "size"};
  return keys;
}

// The benchmark's family, case and size as fields of its entry, so that
// readers need not take its name apart; nothing for a name that is not one
// of the catalogue's.
void identify(nlohmann::json& entry, const std::string& name) {
  const CaseRef ref = find_case(name);
  const auto slash = name.rfind('/');
  if (!ref || slash == std::string::npos || slash + 1 >= name.size()) return;
  const std::string digits = name.substr(slash + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return;
  entry["family"] = ref.family->name;
  entry["case"] = ref.c->name;
  entry["size"] = std::stoull(digits);
}

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

double stddev_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

}  // namespace

double PointStats::relative_half_width() const {
  if (n < 2 || !(value > 0)) return std::numeric_limits<double>::infinity();
  return (ci_high - ci_low) / 2 / value;
}

PointStats point_stats(std::vector<double> values, Statistic statistic, const std::string& seed_name,
                       int resamples) {
  PointStats p;
  p.n = values.size();
  if (values.empty()) return p;
  std::sort(values.begin(), values.end());
  p.value = statistic_of(values, statistic);
  p.median = median_of(values);
  p.min = values.front();
  p.max = values.back();
  p.ci_low = p.ci_high = p.value;
  if (values.size() < 2) return p;
  std::mt19937_64 rng(std::hash<std::string>{}(seed_name));
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  std::vector<double> boot(static_cast<std::size_t>(resamples));
  std::vector<double> sample(values.size());
  for (auto& b : boot) {
    for (auto& s : sample) s = values[pick(rng)];
    b = statistic_of(sample, statistic);
  }
  std::sort(boot.begin(), boot.end());
  p.ci_low = quantile(boot, 0.025);
  p.ci_high = quantile(boot, 0.975);
  return p;
}

std::map<std::string, std::vector<double>> times_per_unit(const nlohmann::json& benchmarks) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& b : benchmarks) {
    if (b.value("run_type", "iteration") != "iteration" || b.value("error_occurred", false)) continue;
    const double elements = b.value("elements", 0.0);
    if (!(elements > 0) || !b.contains("real_time")) continue;
    out[b.value("run_name", std::string())].push_back(b["real_time"].get<double>() / elements);
  }
  return out;
}

nlohmann::json merge_passes(const std::vector<nlohmann::json>& passes) {
  using nlohmann::json;
  std::vector<std::string> order;
  std::map<std::string, std::vector<json>> runs;
  for (const json& pass : passes) {
    for (const json& b : pass.value("benchmarks", json::array())) {
      if (b.value("run_type", "iteration") != "iteration") continue;  // ours replace its aggregates
      json entry = b;
      const std::string name = without_run_options(entry.value("run_name", entry.value("name", std::string())));
      entry["name"] = name;
      entry["run_name"] = name;
      identify(entry, name);
      if (!runs.count(name)) order.push_back(name);
      runs[name].push_back(std::move(entry));
    }
  }
  json out = json::array();
  for (const std::string& name : order) {
    auto& reps = runs[name];
    for (std::size_t i = 0; i < reps.size(); ++i) {
      reps[i]["repetition_index"] = i;
      reps[i]["repetitions"] = reps.size();
      out.push_back(reps[i]);
    }
    std::vector<const json*> ok;
    for (const auto& r : reps) {
      if (!r.value("error_occurred", false)) ok.push_back(&r);
    }
    if (ok.size() < 2) continue;  // Google Benchmark writes aggregates for repetitions only
    // The measurements every successful repetition has.
    std::vector<std::string> keys = {"real_time", "cpu_time"};
    for (const auto& item : ok.front()->items()) {
      const std::string& key = item.key();  // (clang before 16 cannot capture a structured binding)
      if (not_counters().count(key) || !item.value().is_number()) continue;
      if (std::all_of(ok.begin(), ok.end(), [&](const json* r) { return r->contains(key) && (*r)[key].is_number(); })) {
        keys.push_back(key);
      }
    }
    for (const char* aggregate : {"mean", "median", "stddev", "cv"}) {
      json a = {{"name", name + "_" + aggregate},
                {"family_index", ok.front()->value("family_index", 0)},
                {"per_family_instance_index", ok.front()->value("per_family_instance_index", 0)},
                {"run_name", name},
                {"run_type", "aggregate"},
                {"repetitions", reps.size()},
                {"threads", ok.front()->value("threads", 1)},
                {"aggregate_name", aggregate},
                {"aggregate_unit", std::string(aggregate) == "cv" ? "percentage" : "time"},
                {"iterations", ok.size()},
                {"time_unit", ok.front()->value("time_unit", "ns")}};
      identify(a, name);
      for (const std::string& key : keys) {
        std::vector<double> v;
        for (const json* r : ok) v.push_back((*r)[key].get<double>());
        double x = 0;
        const std::string agg = aggregate;
        if (agg == "mean") x = mean_of(v);
        else if (agg == "median") x = median_of(v);
        else if (agg == "stddev") x = stddev_of(v);
        else x = mean_of(v) != 0 ? stddev_of(v) / mean_of(v) : std::nan("");
        if (std::isfinite(x)) a[key] = x;  // undefined: absent, never made up
      }
      out.push_back(a);
    }
  }
  return out;
}

nlohmann::json kept_benchmarks(const std::vector<nlohmann::json>& passes, std::vector<std::string>& out_of_time) {
  nlohmann::json kept = nlohmann::json::array();
  std::vector<std::string> missed;  // in order, once each
  std::set<std::string> ran;
  for (auto& b : merge_passes(passes)) {
    const std::string why = b.value("error_message", ""), name = b.value("run_name", "");
    if (why != kNotRunInterrupted && why != kNotRunOutOfTime) {
      ran.insert(name);
      kept.push_back(std::move(b));
    } else if (why == kNotRunOutOfTime && std::find(missed.begin(), missed.end(), name) == missed.end()) {
      missed.push_back(name);
    }
  }
  for (auto& name : missed) {
    if (!ran.count(name)) out_of_time.push_back(std::move(name));
  }
  return kept;
}

}  // namespace locality
