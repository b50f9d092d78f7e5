#include "runners/bench_all/options.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>

#include "core/machine.h"
#include "runners/lib/budget.h"
#include "runners/lib/context.h"

namespace locality {
namespace {

// How a flag takes its value: none, one (--flag=V or --flag V), or an
// optional "=true|false" (a switch Google Benchmark spells that way).
enum class Takes { nothing, value, optional_bool };

struct Flag {
  const char* name;
  Takes takes;
  const char* value_name;  // in the usage text: --sizes LIST
  // The usage text, lines separated by '\n'; null: not listed in the
  // options (a Google Benchmark flag, said in the closing paragraph).
  const char* help;
  std::function<void(Options&, const std::string& flag, const std::string& value)> apply;
};

std::size_t size_value(const std::string& flag, const std::string& v) {
  const auto n = parse_size(v);
  if (!n || *n == 0) usage_error(flag + ": '" + v + "' is not a positive size such as 4096, 64K, 512M or 4G");
  return *n;
}

// A number in [low, high] (above low where low_open).
double number_value(const std::string& flag, const std::string& v, double low, bool low_open, double high) {
  std::size_t pos = 0;
  double x = 0;
  try {
    x = std::stod(v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos == 0 || pos != v.size() || !std::isfinite(x) || x < low || (low_open && x == low) || x > high) {
    std::ostringstream range;
    range << (low_open ? "above " : "from ") << low << (low_open ? " and at most " : " to ") << high;
    usage_error(flag + ": '" + v + "' is not a number " + range.str());
  }
  return x;
}

// A value from a fixed list: the Google Benchmark flags that would
// otherwise print its usage and exit 0 without running anything.
std::string choice_value(const std::string& flag, const std::string& v, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    usage_error(flag + ": '" + v + "' is not one of " + list);
  }
  return v;
}

int int_value(const std::string& flag, const std::string& v, int low, int high) {
  const auto n = parse_size(v);
  if (!n || v.find_first_not_of("0123456789") != std::string::npos || *n < static_cast<std::size_t>(low) ||
      *n > static_cast<std::size_t>(high)) {
    usage_error(flag + ": '" + v + "' is not a whole number from " + std::to_string(low) + " to " +
                std::to_string(high));
  }
  return static_cast<int>(*n);
}

bool bool_value(const std::string& flag, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v.empty()) return true;
  if (v == "false" || v == "0" || v == "no") return false;
  usage_error(flag + ": '" + v + "' is not true or false");
}

std::vector<std::size_t> sizes_value(const std::string& flag, const std::string& v) {
  std::vector<std::size_t> sizes;
  std::stringstream items(v);
  std::string item;
  while (std::getline(items, item, ',')) sizes.push_back(size_value(flag, item));
  if (sizes.empty() || v.back() == ',') usage_error(flag + ": '" + v + "' is not a list of sizes such as 1024,64K");
  for (std::size_t n : sizes) {
    if (n > (std::size_t{1} << 40)) usage_error(flag + ": " + std::to_string(n) + " is beyond any memory");
  }
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

// Passed on to Google Benchmark as given.
void pass_on(Options& o, const std::string& flag, const std::string& v) { o.benchmark_args.push_back(flag + "=" + v); }

using T = Takes;

// Every flag bench_all reads: its name, how it takes a value, its usage
// text, and what it sets.
const std::vector<Flag> kFlags = {
    {"--list", T::nothing, nullptr,
     "list families and cases with what each shows, the\nsizes this machine would run, and what cannot run here",
     [](Options& o, auto&, auto&) { o.list = true; }},
    {"--dry-run", T::nothing, nullptr,
     "check every input and print the plan (benchmarks,\nsizes, skips, memory) and its estimated time, then\n"
     "exit without running",
     [](Options& o, auto&, auto&) { o.dry_run = true; }},
    {"--budget", T::value, "TIME",
     "plan the run, report included, to end within TIME\n(e.g. 600, 10m, 1h; default 10m): each case is timed\n"
     "once before the run, the largest sizes that would\nnot fit are left out (the run says which), and no\n"
     "benchmark starts after the budget is spent",
     [](Options& o, const std::string& flag, const std::string& v) {
       const auto seconds = parse_duration(v);
       if (!seconds) usage_error(flag + ": '" + v + "' is not a duration such as 600, 90s, 10m or 1h (at most 30 days)");
       o.budget = *seconds;
       o.budget_given = true;
     }},
    {"--full", T::nothing, nullptr, "every size of every ladder, whatever the time",
     [](Options& o, auto&, auto&) { o.full = true; }},
    {"--quick", T::nothing, nullptr,
     "smoke run: 4 sizes (the last beyond the last-level\ncache), 1 repetition, short minimum time; do not cite",
     [](Options& o, auto&, auto&) { o.quick = true; }},
    {"--out", T::value, "PATH",
     "result file to write (default:\nresults/<host>-<UTC yyyymmddThhmmssZ>.json, with -2,\n"
     "-3 ... added when two runs start in the same second);\nan existing file is never overwritten; while the\n"
     "run goes on, <name>.partial.json holds what is done",
     [](Options& o, const std::string& flag, const std::string& v) {
       if (v.empty()) usage_error(flag + " needs a file name");
       o.out = v;
     }},
    {"--sizes", T::value, "LIST",
     "run every selected case at these sizes (comma-separated,\ne.g. 1024,64K,1M; K, M and G are 1024, 1024^2, "
     "1024^3)\ninstead of the families' ladders; nothing is cut for time",
     [](Options& o, const std::string& flag, const std::string& v) { o.plan.sizes = sizes_value(flag, v); }},
    {"--max-memory", T::value, "SIZE",
     "skip sizes whose structure would need more than SIZE\nbytes (e.g. 512M, 4G; default: 80% of the memory this\n"
     "process may use: MemAvailable, the cgroup limit and\nulimit -v, whichever is least)",
     [](Options& o, const std::string& flag, const std::string& v) { o.plan.max_memory = size_value(flag, v); }},
    {"--llc", T::value, "SIZE",
     "size the ladders for this last-level cache instead of\nthe one the machine reports (or the fallback used "
     "where\nwhat it reports is missing or implausible)",
     [](Options& o, const std::string& flag, const std::string& v) { o.plan.llc_bytes = size_value(flag, v); }},
    {"--passes", T::value, "N",
     "split each benchmark's repetitions over N passes over\nthe whole plan, its structures built again in each\n"
     "(default 2, --quick 1): a claim's interval then spans\nthe run's minutes, as the next run's value does",
     [](Options& o, const std::string& flag, const std::string& v) { o.passes = int_value(flag, v, 1, 100); }},
    {"--precision", T::value, "P",
     "give points whose 95% interval is wider than +-P of\ntheir value (default 0.05) more repetitions, within\n"
     "--rerun-budget",
     [](Options& o, const std::string& flag, const std::string& v) {
       o.precision = number_value(flag, v, 0, true, 1000);
     }},
    {"--rerun-budget", T::value, "SEC",
     "time for those (default: as long as the passes took,\nbut no more than the time budget leaves)",
     [](Options& o, const std::string& flag, const std::string& v) {
       o.rerun_budget = number_value(flag, v, 0, false, 86400);
     }},
    {"--no-pin", T::nothing, nullptr, "do not pin the run to one CPU", [](Options& o, auto&, auto&) { o.pin = false; }},
    {"--counters", T::value, "LIST",
     "hardware counters to read through PAPI, comma-separated\n(l1d_misses,l2_misses,llc_misses,dtlb_misses,cycles,\n"
     "instructions; NAME=EVENT forces an event; default: all\nthat this machine has; \"none\": do not read any). "
     "Naming\ncounters that cannot be read is an error.",
     [](Options& o, auto&, const std::string& v) { o.counters = v; }},
    {"--list-counters", T::nothing, nullptr,
     "for each counter: the event chosen here and whether it\ncan be read, then exit",
     [](Options& o, auto&, auto&) { o.list_counters = true; }},
    {"--simulate", T::nothing, nullptr,
     "also simulate the caches with valgrind's callgrind\n(the machine's geometry, or a valid one near it) and\n"
     "write sim_d1_misses_per_elem, sim_l2_misses_per_elem\nand sim_ll_misses_per_elem",
     [](Options& o, auto&, auto&) { o.simulate = true; }},
    {"--no-simulate", T::nothing, nullptr,
     "no simulation, not even the default run's: without\nhardware miss counters, the default run (every family,\n"
     "no --quick or --sizes) simulates the layouts and the\nlatency chases up to --simulate-max-elements",
     [](Options& o, auto&, auto&) { o.simulate = false; }},
    {"--simulate-max-elements", T::value, "N",
     "largest size to simulate (default 1048576); larger\nsizes are timed but not simulated",
     [](Options& o, const std::string& flag, const std::string& v) { o.simulate_max_elements = size_value(flag, v); }},
    {"--simulation-child", T::nothing, nullptr, nullptr,
     [](Options& o, auto&, auto&) { o.simulation_child = true; }},
    {"--benchmark_out", T::value, nullptr, nullptr,
     [](Options&, const std::string& flag, auto&) {
       usage_error("use --out PATH instead of " + flag + ": bench_all writes the result file itself");
     }},
    {"--benchmark_out_format", T::value, nullptr, nullptr,
     [](Options&, const std::string& flag, auto&) {
       usage_error("use --out PATH instead of " + flag + ": bench_all writes the result file itself");
     }},
    {"--benchmark_filter", T::value, nullptr, nullptr, [](Options& o, auto&, const std::string& v) { o.plan.filter = v; }},
    {"--benchmark_repetitions", T::value, nullptr, nullptr,
     [](Options& o, const std::string& flag, const std::string& v) { o.repetitions = int_value(flag, v, 1, 1000); }},
    {"--benchmark_min_time", T::value, nullptr, nullptr,
     [](Options& o, const std::string& flag, std::string v) {
       if (!v.empty() && v.back() == 's') v.pop_back();  // newer Google Benchmark's "0.5s"
       o.min_time = number_value(flag, v, 0, true, 3600);
     }},
    {"--benchmark_min_warmup_time", T::value, nullptr, nullptr,
     [](Options& o, const std::string& flag, const std::string& v) {
       pass_on(o, flag, std::to_string(number_value(flag, v, 0, false, 3600)));
     }},
    {"--benchmark_format", T::value, nullptr, nullptr,
     [](Options& o, const std::string& flag, const std::string& v) {
       pass_on(o, flag, choice_value(flag, v, {"console", "json", "csv"}));
     }},
    {"--benchmark_time_unit", T::value, nullptr, nullptr,
     [](Options& o, const std::string& flag, const std::string& v) {
       pass_on(o, flag, choice_value(flag, v, {"ns", "us", "ms", "s"}));
     }},
    {"--benchmark_color", T::value, nullptr, nullptr,
     [](Options& o, const std::string& flag, const std::string& v) {
       pass_on(o, flag, choice_value(flag, v, {"auto", "true", "false", "yes", "no"}));
     }},
    {"--benchmark_enable_random_interleaving", T::optional_bool, nullptr, nullptr,
     [](Options& o, const std::string& flag, const std::string& v) { o.interleave = bool_value(flag, v); }},
    {"--benchmark_list_tests", T::optional_bool, nullptr, nullptr,
     [](Options& o, const std::string& flag, const std::string& v) { o.list_tests = bool_value(flag, v); }},
    {"--benchmark_report_aggregates_only", T::optional_bool, nullptr, nullptr,
     [](Options& o, const std::string& flag, const std::string& v) {
       if (!bool_value(flag, v)) return;
       o.benchmark_args.push_back("--benchmark_display_aggregates_only=true");
       o.notes.push_back("--benchmark_report_aggregates_only: the display shows aggregates only; the result "
                         "file keeps every repetition, which the report needs");
     }},
};

constexpr const char* kHead = R"(usage: bench_all [options] [FAMILY[/CASE] ...] [--benchmark_* flags]

Runs the locality benchmarks and writes one result file (Google Benchmark
JSON plus machine context; the report package's result.schema.json,
report/locality/result.schema.json in the sources, describes it).

  FAMILY[/CASE]       run only these families or cases (default: all);
                      see --list
)";

constexpr const char* kTail = R"(  --version           the suite version and commit
  -h, --help          this text

How it measures: the run is pinned to one CPU; it passes over the plan
twice, family by family, building the structures again in each pass; in a
pass, every benchmark's repetitions are interleaved with the others' in a
random order (Google Benchmark's random interleaving), each lasting at
least the minimum time; a point is the minimum of its repetitions where
each repeats the same work on the same structure (interruptions only ever
add time), the median where the work varies by design (allocation), with
a bootstrap 95% interval; points whose interval is too wide get more
repetitions. A probe runs before and after: the clock (a chain of
dependent adds) and the speed of a vector read in the L1 cache, each with
its spread, so that a busy machine shows in the file.

Google Benchmark's own flags work as usual, for example
--benchmark_filter=REGEX, --benchmark_repetitions=N (default 5 in all,
3 in the first pass and 2 in the second; enough for --compare's test to
tell two runs apart; then 4 more per round for noisy points; quick 1),
--benchmark_min_time=SECONDS
(default 0.03, quick 0.01),
--benchmark_format=console|json|csv and --benchmark_counters_tabular=true
(the display; the result file always holds every repetition),
--benchmark_list_tests=true. Use --out instead of --benchmark_out.
)";

}  // namespace

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "bench_all: " << message << " (bench_all --help for usage)\n";
  std::exit(2);
}

std::string usage_text() {
  std::ostringstream out;
  out << kHead;
  constexpr std::size_t kColumn = 22;
  for (const Flag& f : kFlags) {
    if (f.help == nullptr) continue;
    std::string head = std::string("  ") + f.name + (f.value_name ? std::string(" ") + f.value_name : "");
    std::istringstream lines(f.help);
    std::string line;
    bool first = true;
    while (std::getline(lines, line)) {
      if (first && head.size() + 2 <= kColumn) {
        out << head << std::string(kColumn - head.size(), ' ') << line << "\n";
      } else {
        if (first) out << head << "\n";
        out << std::string(kColumn, ' ') << line << "\n";
      }
      first = false;
    }
  }
  out << kTail;
  return out.str();
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto eq = a.find('=');
    const std::string flag = a.substr(0, eq);
    if (a == "-h" || a == "--help") {
      std::cout << usage_text();
      std::exit(0);
    }
    if (a == "--version") {
      const BuildInfo b = this_build();
      std::cout << "locality " << b.suite_version << " (commit " << b.git_commit << "; " << b.compiler << ")\n";
      std::exit(0);
    }
    const auto f = std::find_if(kFlags.begin(), kFlags.end(), [&flag](const Flag& x) { return flag == x.name; });
    if (f == kFlags.end()) {
      if (a.rfind("--benchmark_", 0) == 0 || a.rfind("--v=", 0) == 0) {
        o.benchmark_args.push_back(a);  // Google Benchmark checks its own
      } else if (a.rfind("-", 0) == 0) {
        usage_error("unknown option " + a);
      } else {
        o.plan.selectors.push_back(a);
      }
      continue;
    }
    std::string value;
    if (f->takes == Takes::nothing) {
      if (eq != std::string::npos) usage_error(flag + " takes no value");
    } else if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (f->takes == Takes::value) {
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      const std::string next = argv[i + 1];
      if (next.rfind("--", 0) == 0) {
        usage_error(flag + " needs a value, not the option '" + next + "' (write " + flag + "=" + next +
                    " if that is the value)");
      }
      value = argv[++i];
    }
    f->apply(o, flag, value);
  }
  if (o.full && o.budget_given) usage_error("give either --budget or --full, not both");
  if (!o.plan.selectors.empty() && !o.plan.filter.empty()) {
    usage_error("give either FAMILY[/CASE] names or --benchmark_filter, not both");
  }
  o.plan.quick = o.quick;
  return o;
}

}  // namespace locality
