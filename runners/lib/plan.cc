#include "runners/lib/plan.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "core/units.h"

namespace locality {
namespace {

constexpr std::size_t kAssumedLlc = std::size_t{32} << 20;

bool selected(const PlanOptions& options, const Family& family, const Case& c) {
  if (options.selectors.empty()) return true;
  for (const auto& s : options.selectors) {
    if (s == family.name || s == family.name + "/" + c.name) return true;
  }
  return false;
}

}  // namespace

std::pair<std::size_t, std::string> ladder_llc(const Machine& m, std::optional<std::size_t> given) {
  if (given) return {*given, "--llc"};
  const auto llc = last_level_cache(m.caches);
  if (!llc || m.cache_source == "unknown") return {llc ? llc->size_bytes : kAssumedLlc, "assumed"};
  for (const auto& n : m.cache_notes) {
    if (n.level == llc->level && n.type == llc->type && n.field == "size") return {llc->size_bytes, "fallback"};
  }
  return {llc->size_bytes, m.cache_source};
}

std::string known_cases() {
  std::string all;
  for (const Family& f : families()) {
    for (const Case& c : f.cases) all += (all.empty() ? "" : ", ") + f.name + "/" + c.name;
  }
  return all;
}

std::vector<std::string> matching(const std::vector<std::string>& names, std::string filter) {
  if (filter.empty() || filter == "all" || filter == ".") return names;
  bool negate = false;
  if (filter[0] == '-') {
    negate = true;
    filter.erase(0, 1);
  }
  std::regex re;
  try {
    re = std::regex(filter, std::regex::extended);
  } catch (const std::regex_error&) {
    throw PlanError("--benchmark_filter '" + filter + "' is not a valid regular expression");
  }
  std::vector<std::string> out;
  for (const auto& name : names) {
    if (std::regex_search(name, re) != negate) out.push_back(name);
  }
  return out;
}

std::vector<std::size_t> sizes_for(const Plan& plan, const Family& family, const Case& c) {
  return case_sizes(family, c, plan.llc_bytes, plan.quick, plan.sizes_given ? plan.ladder : std::vector<std::size_t>{});
}

Plan make_plan(const Machine& machine, const PlanOptions& options) {
  Plan plan;
  plan.quick = options.quick;
  std::tie(plan.llc_bytes, plan.llc_source) = ladder_llc(machine, options.llc_bytes);
  plan.sizes_given = !options.sizes.empty();
  plan.ladder = plan.sizes_given ? options.sizes : shared_ladder(plan.llc_bytes, options.quick);
  if (options.max_memory) {
    plan.memory_budget = *options.max_memory;
    plan.memory_budget_source = "--max-memory";
  } else {
    const MemoryLimits limits = memory_limits();
    plan.memory_budget = static_cast<std::size_t>(0.8 * static_cast<double>(limits.usable().value_or(std::size_t{4} << 30)));
    plan.memory_budget_source = "80% of " + (limits.usable() ? limits.binding() : std::string("an assumed 4 GiB"));
  }

  for (const std::string& s : options.selectors) {
    bool known = false;
    for (const Family& f : families()) {
      known = known || s == f.name;
      for (const Case& c : f.cases) known = known || s == f.name + "/" + c.name;
    }
    if (!known) throw PlanError("unknown family or case '" + s + "'");
  }

  // Every selected case at every size of its ladder, then the filter.
  std::vector<PlannedBenchmark> all;
  std::vector<Skip> unavailable;
  for (const Family& f : families()) {
    for (const Case& c : f.cases) {
      if (!selected(options, f, c)) continue;
      if (const std::string why = unavailable_reason(c); !why.empty()) {
        // one line for the case, not one per size
        unavailable.push_back({f.name + "/" + c.name, why});
        continue;
      }
      for (std::size_t n : sizes_for(plan, f, c)) all.push_back({benchmark_name(f, c, n), &f, &c, n});
    }
  }
  std::vector<std::string> names;
  for (const auto& b : all) names.push_back(b.name);
  const std::vector<std::string> kept = matching(names, options.filter);
  const std::set<std::string> keep(kept.begin(), kept.end());

  // (a filter that leaves out every size of an unavailable case leaves out
  // its note too)
  for (const auto& u : unavailable) {
    if (!matching({u.name + "/1"}, options.filter).empty()) plan.skipped.push_back(u);
  }
  for (const auto& b : all) {
    if (!keep.count(b.name)) continue;
    std::string reason;
    if (b.c->max_elements != 0 && b.size > b.c->max_elements) {
      reason = "sizes above " + std::to_string(b.c->max_elements) + " are not run: " + b.c->max_elements_why;
    }
    if (reason.empty()) {
      const double need = peak_bytes_of(*b.c, b.size);
      if (need > static_cast<double>(plan.memory_budget)) {
        reason = "needs about " + format_bytes(need) + ", more than the " + format_bytes(static_cast<double>(plan.memory_budget)) +
                 " allowed (" + plan.memory_budget_source + ")";
      }
    }
    if (reason.empty()) {
      plan.benchmarks.push_back(b);
    } else {
      plan.skipped.push_back({b.name, reason});
    }
  }
  if (plan.benchmarks.empty()) {
    if (kept.empty() && !unavailable.empty() && options.filter.empty()) {
      throw PlanError("nothing selected can run here: " + unavailable.front().name + ": " + unavailable.front().reason);
    }
    if (kept.empty()) {
      throw PlanError(options.filter.empty() ? "nothing selected"
                                             : "the filter '" + options.filter + "' matches no benchmark");
    }
    throw PlanError("every selected benchmark was skipped: " + plan.skipped.front().name + ": " +
                    plan.skipped.front().reason);
  }
  return plan;
}

namespace {

// Marks a repetition failed. Google Benchmark checks that every repetition
// of a benchmark reports the same iteration count, and a State whose loop
// never started reports 0: so the loop is entered (it ends at once, as an
// errored State's loop does) and the repetition reports the count it was
// given, like the repetitions that ran before it.
void skip(benchmark::State& state, const char* why) {
  state.SkipWithError(why);
  if (state.iterations() == 0) {
    for (auto _ : state) {
    }
  }
}

}  // namespace

void register_benchmarks(const std::vector<PlannedBenchmark>& benchmarks, const Registration& registration) {
  for (const PlannedBenchmark& planned : benchmarks) {
    const auto on_start = registration.on_start;
    benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(
        planned.name.c_str(), [planned, on_start](benchmark::State& state) {
          if (on_start) {
            if (const std::string why = on_start(planned); !why.empty()) {
              skip(state, why.c_str());
              return;
            }
          }
          try {
            planned.c->fn(state, planned.size);
          } catch (const std::bad_alloc&) {
            skip(state, "out of memory while building or running this size");
          } catch (const std::exception& e) {
            skip(state, e.what());
          }
        });
    if (registration.repetitions > 0) b->Repetitions(registration.repetitions);
    if (registration.min_time > 0) b->MinTime(registration.min_time);
    if (registration.min_warmup_time > 0) b->MinWarmUpTime(registration.min_warmup_time);
    if (registration.fixed_iterations) {
      b->Iterations(static_cast<benchmark::IterationCount>(registration.fixed_iterations(planned.size)));
    }
  }
}

}  // namespace locality
