#include "runners/bench_all/listing.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "core/machine.h"
#include "core/units.h"
#include "runners/lib/events.h"

namespace locality {

void print_catalogue(std::ostream& out, const Plan& plan) {
  auto list = [&out](const std::vector<std::size_t>& sizes) {
    for (std::size_t n : sizes) out << " " << n;
    out << "\n";
  };
  for (const Family& f : families()) {
    out << f.name << "\n  shows:    " << f.demonstrates << "\n  expected: " << f.expected << "\n";
    for (const Case& c : f.cases) {
      out << "    " << f.name << "/" << c.name << "  " << c.summary << "\n";
      if (const std::string why = unavailable_reason(c); !why.empty()) {
        out << "      not on this machine: " << why << "\n";
      } else if (c.ladder) {
        out << "      sizes (" << f.size_name << "):";
        list(sizes_for(plan, f, c));
      }
    }
    // the family's own sizes: those of a case without a ladder of its own
    out << "  sizes (" << f.size_name << "):";
    list(sizes_for(plan, f, Case{}));
  }
}

void print_plan(std::ostream& out, const Plan& plan, const std::map<std::string, double>& seconds) {
  out << plan.benchmarks.size() << " benchmarks; ladders sized for a " << format_bytes(static_cast<double>(plan.llc_bytes))
      << " last-level cache (" << plan.llc_source << "); memory budget "
      << format_bytes(static_cast<double>(plan.memory_budget)) << " (" << plan.memory_budget_source << ")\n";
  for (const auto& b : plan.benchmarks) {
    out << "  " << b.name;
    if (const auto it = seconds.find(b.name); it != seconds.end()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "  ~%.2f s", it->second);
      out << buf;
    }
    out << "\n";
  }
  for (const auto& s : plan.skipped) out << "  skipped " << s.name << ": " << s.reason << "\n";
}

Plan plan_or_exit(const Options& opt) {
  try {
    return make_plan(this_machine(), opt.plan);
  } catch (const PlanError& e) {
    std::cerr << "bench_all: " << e.what() << ". These exist: " << known_cases()
              << " (bench_all --list shows them with their sizes)\n";
    std::exit(2);
  }
}

void print_estimate(std::ostream& out, const Plan& plan, const Fit& fit, const Options& opt) {
  const TimeEstimate& e = fit.estimate;
  const std::string passes = e.passes > 1 ? std::to_string(e.passes) + " passes" : "first pass";
  out << "estimated time: " << format_seconds(e.total()) << " of a " << format_seconds(opt.budget) << " budget ("
      << "timing the cases " << format_seconds(e.calibration_s) << ", " << passes << " " << format_seconds(e.first_pass_s)
      << ", reruns of noisy points up to " << format_seconds(e.reruns_s) << ", probes " << format_seconds(e.fixed_s)
      << ", report " << format_seconds(e.report_s)
      << (e.simulate_s > 0 ? ", simulated misses " + format_seconds(e.simulate_s) : std::string()) << ")\n";
  if (!fit.cut.empty()) {
    std::map<std::string, int> by_case;
    for (const auto& c : fit.cut) by_case[c.name.substr(0, c.name.rfind('/'))]++;
    std::vector<std::pair<int, std::string>> most;
    for (const auto& [name, n] : by_case) most.push_back({n, name});
    std::sort(most.rbegin(), most.rend());
    out << "cut for time: " << fit.cut.size() << " of " << plan.benchmarks.size() + fit.cut.size()
        << " benchmarks, the largest sizes of " << by_case.size() << " case(s) (";
    for (std::size_t i = 0; i < most.size() && i < 3; ++i) out << (i ? ", " : "") << most[i].second;
    out << (most.size() > 3 ? ", ..." : "") << ")";
    // Where the whole plan would end within the budget, the cuts keep time
    // for the reruns of noisy points: say that, not a total equal to it.
    if (fit.untrimmed.total() > opt.budget + 1) {
      out << "; the whole plan would take about " << format_seconds(fit.untrimmed.total());
    } else {
      out << "; without them the " << passes << " would take " << format_seconds(fit.untrimmed.first_pass_s)
          << " and leave the reruns of noisy points " << format_seconds(fit.untrimmed.reruns_s);
    }
    out << ": --full runs it, --budget TIME allows more\n";
  } else if (e.total() > opt.budget) {
    out << "over the budget: nothing is cut " << (opt.full ? "with --full" : "with --sizes")
        << "; the run takes about " << format_seconds(e.total()) << "\n";
  }
}

void print_counters(std::ostream& out, const PapiProbe& probe) {
  for (const LogicalCounter& c : logical_counters()) {
    const EventChoice* choice = nullptr;
    for (const auto& ch : probe.choices) {
      if (ch.logical == c.name) choice = &ch;
    }
    out << c.name << "  (" << c.meaning << ")\n";
    out << (choice && !choice->event.empty() ? "    counts with " + choice->event : std::string("    unavailable")) << "\n";
    if (choice) {
      for (const auto& t : choice->tried) out << "    tried " << t << "\n";
    }
  }
  out << "status: " << probe.status.status;
  if (!probe.status.reason.empty()) out << ": " << probe.status.reason;
  out << "\n";
}

}  // namespace locality
