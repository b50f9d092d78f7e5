// bench_all: runs the locality catalogue with Google Benchmark and writes one
// result file: Google Benchmark's JSON plus context.locality (the contract
// is schema/result.schema.json).
#include <benchmark/benchmark.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/cpus.h"
#include "core/family.h"
#include "core/fixture.h"
#include "core/machine.h"
#include "core/platform.h"
#include "core/units.h"
#include "runners/calibration.h"
#include "runners/budget.h"
#include "runners/context.h"
#include "runners/events.h"
#include "runners/papi_backend.h"
#include "runners/plan.h"
#include "runners/probe.h"
#include "runners/result_file.h"
#include "runners/sampling.h"
#include "runners/simulate.h"

namespace locality {
namespace {

constexpr const char* kUsage = R"(usage: bench_all [options] [FAMILY[/CASE] ...] [--benchmark_* flags]

Runs the locality benchmarks and writes one result file (Google Benchmark
JSON plus machine context; schema/result.schema.json describes it).

  FAMILY[/CASE]       run only these families or cases (default: all);
                      see --list
  --list              list families and cases with what each shows, the
                      sizes this machine would run, and what cannot run here
  --dry-run           check every input and print the plan (benchmarks,
                      sizes, skips, memory) and its estimated time, then
                      exit without running
  --budget TIME       plan the run, report included, to end within TIME
                      (e.g. 600, 10m, 1h; default 10m): each case is timed
                      once before the run, the largest sizes that would
                      not fit are left out (the run says which), and no
                      benchmark starts after the budget is spent
  --full              every size of every ladder, whatever the time
  --quick             smoke run: 4 sizes (the last beyond the last-level
                      cache), 1 repetition, short minimum time; do not cite
  --out PATH          result file to write (default:
                      results/<host>-<UTC yyyymmddThhmmssZ>.json, with -2,
                      -3 ... added when two runs start in the same second);
                      an existing file is never overwritten
  --sizes LIST        run every selected case at these sizes (comma-separated,
                      e.g. 1024,64K,1M; K, M and G are 1024, 1024^2, 1024^3)
                      instead of the families' ladders
  --max-memory SIZE   skip sizes whose structure would need more than SIZE
                      bytes (e.g. 512M, 4G; default: 80% of the memory this
                      process may use: MemAvailable, the cgroup limit and
                      ulimit -v, whichever is least)
  --llc SIZE          size the ladders for this last-level cache instead of
                      the one the machine reports (needed where none does)
  --precision P       give points whose 95% interval is wider than +-P of
                      their value (default 0.05) more repetitions, within
                      --rerun-budget
  --rerun-budget SEC  time for those (default: as long as the first pass
                      took, but no more than keeps the whole run within
                      nine minutes; at least a minute)
  --no-pin            do not pin the run to one CPU
  --counters LIST     hardware counters to read through PAPI, comma-separated
                      (l1d_misses,l2_misses,llc_misses,dtlb_misses,cycles,
                      instructions; NAME=EVENT forces an event; default: all
                      that this machine has; "none": do not read any). Naming
                      counters that cannot be read is an error.
  --list-counters     for each counter: the event chosen here and whether it
                      can be read, then exit
  --simulate          also simulate the caches with valgrind's callgrind
                      (the machine's geometry) and write sim_d1_misses_per_elem,
                      sim_l2_misses_per_elem and sim_ll_misses_per_elem
  --simulate-max-elements N
                      largest size to simulate (default 1048576); larger
                      sizes are timed but not simulated
  --version           the suite version and commit
  -h, --help          this text

How it measures: the run is pinned to one CPU; family by family, every
benchmark's repetitions are interleaved with the others' in a random order
(Google Benchmark's random interleaving), each lasting at least the minimum
time;
a point is the minimum of its repetitions where each repeats the same
work on the same structure (interruptions only ever add time), the median
where the work varies by design (allocation), with a bootstrap 95%
interval; points whose interval is too wide get more repetitions. A probe
runs before and after: the clock (a chain of dependent adds) and the speed
of a vector read in the L1 cache, each with its spread, so that a busy
machine shows in the file.

Google Benchmark's own flags work as usual, for example
--benchmark_filter=REGEX, --benchmark_repetitions=N (default 5, enough
for --compare's test to tell two runs apart; then 4 more per round for
noisy points; quick 1), --benchmark_min_time=SECONDS
(default 0.03, quick 0.01),
--benchmark_format=console|json|csv and --benchmark_counters_tabular=true
(the display; the result file always holds every repetition),
--benchmark_list_tests=true. Use --out instead of --benchmark_out.
)";

// ---- options -----------------------------------------------------------------

struct Options {
  bool list = false;
  bool dry_run = false;
  bool quick = false;
  bool list_counters = false;
  bool list_tests = false;
  bool simulate = false;
  bool simulation_child = false;  // internal: the run under valgrind
  bool pin = true;
  bool full = false;
  double budget = 600;
  std::size_t simulate_max_elements = std::size_t{1} << 20;
  std::optional<std::string> counters;
  std::string out;
  double precision = 0.05;
  std::optional<double> rerun_budget;
  std::optional<int> repetitions;
  std::optional<double> min_time;
  std::optional<bool> interleave;
  PlanOptions plan;
  std::vector<std::string> benchmark_args;  // passed to Google Benchmark
  std::vector<std::string> notes;           // printed once the run starts
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "bench_all: " << message << " (bench_all --help for usage)\n";
  std::exit(2);
}

std::size_t size_value(const std::string& flag, const std::string& v, bool allow_zero = false) {
  const auto n = parse_size(v);
  if (!n || (!allow_zero && *n == 0)) {
    usage_error(flag + ": '" + v + "' is not a " + (allow_zero ? "" : "positive ") +
                "size such as 4096, 64K, 512M or 4G");
  }
  return *n;
}

// A number in [low, high] (above low where low_open), or one line naming
// the range and exit 2.
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

// A value from a fixed list, for the Google Benchmark flags that would
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

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto eq = a.find('=');
    const std::string flag = a.substr(0, eq);
    auto value = [&]() -> std::string {
      if (eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      const std::string next = argv[i + 1];
      if (next.rfind("--", 0) == 0) {
        usage_error(flag + " needs a value, not the option '" + next + "' (write " + flag + "=" + next +
                    " if that is the value)");
      }
      return argv[++i];
    };
    auto no_value = [&] {
      if (eq != std::string::npos) usage_error(flag + " takes no value");
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--version") {
      const BuildInfo b = this_build();
      std::cout << "locality " << b.suite_version << " (commit " << b.git_commit << "; " << b.compiler << ")\n";
      std::exit(0);
    } else if (flag == "--list") {
      no_value();
      o.list = true;
    } else if (flag == "--dry-run") {
      no_value();
      o.dry_run = true;
    } else if (flag == "--quick") {
      no_value();
      o.quick = true;
    } else if (flag == "--no-pin") {
      no_value();
      o.pin = false;
    } else if (flag == "--full") {
      no_value();
      o.full = true;
    } else if (flag == "--budget") {
      const std::string v = value();
      const auto seconds = parse_duration(v);
      if (!seconds) usage_error("--budget: '" + v + "' is not a duration such as 600, 90s, 10m or 1h (at most 30 days)");
      o.budget = *seconds;
    } else if (flag == "--out") {
      o.out = value();
      if (o.out.empty()) usage_error("--out needs a file name");
    } else if (flag == "--max-memory") {
      o.plan.max_memory = size_value(flag, value());
    } else if (flag == "--llc") {
      o.plan.llc_bytes = size_value(flag, value());
    } else if (flag == "--precision") {
      o.precision = number_value(flag, value(), 0, true, 1000);
    } else if (flag == "--rerun-budget") {
      o.rerun_budget = number_value(flag, value(), 0, false, 86400);
    } else if (flag == "--sizes") {
      const std::string v = value();
      std::stringstream items(v);
      std::string item;
      while (std::getline(items, item, ',')) o.plan.sizes.push_back(size_value(flag, item));
      if (o.plan.sizes.empty() || v.back() == ',') usage_error("--sizes: '" + v + "' is not a list of sizes such as 1024,64K");
      for (std::size_t n : o.plan.sizes) {
        if (n > (std::size_t{1} << 40)) usage_error("--sizes: " + std::to_string(n) + " is beyond any memory");
      }
      std::sort(o.plan.sizes.begin(), o.plan.sizes.end());
      o.plan.sizes.erase(std::unique(o.plan.sizes.begin(), o.plan.sizes.end()), o.plan.sizes.end());
    } else if (flag == "--list-counters") {
      no_value();
      o.list_counters = true;
    } else if (flag == "--simulate") {
      no_value();
      o.simulate = true;
    } else if (flag == "--simulation-child") {
      o.simulation_child = true;
    } else if (flag == "--counters") {
      o.counters = value();
    } else if (flag == "--simulate-max-elements") {
      o.simulate_max_elements = size_value(flag, value());
    } else if (flag == "--benchmark_out" || flag == "--benchmark_out_format") {
      usage_error("use --out PATH instead of " + flag + ": bench_all writes the result file itself");
    } else if (flag == "--benchmark_filter") {
      o.plan.filter = value();
    } else if (flag == "--benchmark_repetitions") {
      o.repetitions = int_value(flag, value(), 1, 1000);
    } else if (flag == "--benchmark_min_time") {
      std::string v = value();
      if (!v.empty() && v.back() == 's') v.pop_back();  // newer Google Benchmark's "0.5s"
      o.min_time = number_value(flag, v, 0, true, 3600);
    } else if (flag == "--benchmark_min_warmup_time") {
      o.benchmark_args.push_back(flag + "=" + std::to_string(number_value(flag, value(), 0, false, 3600)));
    } else if (flag == "--benchmark_format") {
      o.benchmark_args.push_back(flag + "=" + choice_value(flag, value(), {"console", "json", "csv"}));
    } else if (flag == "--benchmark_time_unit") {
      o.benchmark_args.push_back(flag + "=" + choice_value(flag, value(), {"ns", "us", "ms", "s"}));
    } else if (flag == "--benchmark_color") {
      o.benchmark_args.push_back(flag + "=" + choice_value(flag, value(), {"auto", "true", "false", "yes", "no"}));
    } else if (flag == "--benchmark_enable_random_interleaving") {
      o.interleave = bool_value(flag, eq == std::string::npos ? "" : a.substr(eq + 1));
    } else if (flag == "--benchmark_list_tests") {
      o.list_tests = bool_value(flag, eq == std::string::npos ? "" : a.substr(eq + 1));
    } else if (flag == "--benchmark_report_aggregates_only") {
      if (bool_value(flag, eq == std::string::npos ? "" : a.substr(eq + 1))) {
        o.benchmark_args.push_back("--benchmark_display_aggregates_only=true");
        o.notes.push_back("--benchmark_report_aggregates_only: the display shows aggregates only; the result "
                          "file keeps every repetition, which the report needs");
      }
    } else if (a.rfind("--benchmark_", 0) == 0 || a.rfind("--v=", 0) == 0) {
      o.benchmark_args.push_back(a);
    } else if (a.rfind("-", 0) == 0) {
      usage_error("unknown option " + a);
    } else {
      o.plan.selectors.push_back(a);
    }
  }
  if (o.full && std::find_if(argv + 1, argv + argc, [](const char* a) {
                   return std::string(a).rfind("--budget", 0) == 0;
                 }) != argv + argc) {
    usage_error("give either --budget or --full, not both");
  }
  if (!o.plan.selectors.empty() && !o.plan.filter.empty()) {
    usage_error("give either FAMILY[/CASE] names or --benchmark_filter, not both");
  }
  o.plan.quick = o.quick;
  return o;
}

// ---- what runs ---------------------------------------------------------------

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
    if (f.ladder || !plan.sizes_given) {
      out << "  sizes (" << f.size_name << "):";
      list(f.ladder && !plan.sizes_given ? f.ladder(plan.llc_bytes, plan.quick) : plan.ladder);
    }
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

// ---- counters ----------------------------------------------------------------

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

std::vector<std::string> counter_list_or_exit(const Options& opt) {
  try {
    return parse_counter_list(opt.counters.value_or("all"));
  } catch (const std::invalid_argument& e) {
    usage_error(std::string("--counters: ") + e.what());
  }
}

// Opens hardware counters as asked and calibrates them; exits with 2 when
// counters named explicitly cannot be read.
CountersStatus open_counters(const Options& opt, const std::vector<CacheLevel>& caches, nlohmann::json& calibration) {
  CountersStatus status;
  if (opt.counters && *opt.counters == "none") {
    status.status = "off";
    status.reason = "hardware counters not requested (--counters none)";
    return status;
  }
  PapiProbe probe = probe_papi(counter_list_or_exit(opt));
  if (opt.counters && probe.status.backend != "papi") {
    std::cerr << "bench_all: --counters " << *opt.counters << ": " << probe.status.reason << "\n";
    std::exit(2);
  }
  if (opt.counters) {
    for (const auto& c : probe.choices) {
      if (c.event.empty()) {
        std::cerr << "bench_all: --counters: " << c.logical << " cannot be read here ("
                  << (c.tried.empty() ? "no candidate" : c.tried.front()) << ")\n";
        std::exit(2);
      }
    }
  }
  status = probe.status;
  std::cerr << "bench_all: counters: "
            << (probe.backend ? status.status + " (" + std::to_string(status.events.size()) + " events)" : status.reason)
            << "\n";
  if (probe.backend) {
    set_counter_backend(std::move(probe.backend));
    for (const auto& kernel : calibration_kernels(caches)) {
      run_calibration_kernel(kernel, counter_backend());
      for (const Reading& r : counter_backend().read()) {
        const double expected = expected_misses(kernel, r.name, caches);
        if (std::isnan(expected)) continue;
        // Hardware counts include prefetches and vendor quirks: a factor of
        // two either way is what "about" means here.
        calibration.push_back(calibration_entry(kernel, r.name, expected, r.value / static_cast<double>(kernel.elements), 1.0));
      }
    }
  }
  return status;
}

// ---- running -----------------------------------------------------------------

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int signo) { g_signal = signo; }

// The first SIGINT, SIGTERM or SIGHUP (a closed terminal) lets the
// benchmark running finish and skips the rest, so that what was measured
// is written; the handler resets itself, so a second signal ends the
// program at once. SIGPIPE (stdout or stderr piped into a reader that
// quit) does the same, but stays caught: every later write to that pipe
// raises it again, and the run must still reach its file.
void catch_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int signo : {SIGINT, SIGTERM, SIGHUP}) sigaction(signo, &sa, nullptr);
  sa.sa_flags = 0;
  sigaction(SIGPIPE, &sa, nullptr);
}

const char* signal_name(int signo) {
  switch (signo) {
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP (the terminal closed)";
    case SIGPIPE: return "SIGPIPE (the output's reader quit)";
    default: return "SIGINT";
  }
}

// Prints "[k/N m:ss] name" to stderr when a benchmark's repetition starts.
class Progress {
 public:
  void set_total(std::size_t total) {
    total_ = total;
    done_ = 0;
    last_.clear();
  }
  void start(const std::string& name) {
    if (name == last_) return;  // the same repetition's next calibration step
    last_ = name;
    ++done_;
    const long s = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::steady_clock::now() - t0_)
                                         .count());
    std::fprintf(stderr, "[%zu/%zu %ld:%02ld] %s\n", std::min(done_, total_), total_, s / 60, s % 60, name.c_str());
  }

 private:
  std::size_t total_ = 0;
  std::size_t done_ = 0;
  std::string last_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

constexpr const char* kNotRunInterrupted = "not run: the run was interrupted";
constexpr const char* kNotRunOutOfTime = "not run: the time budget was spent";

// The run so far, on disk: a result file beside the one the run will
// write (<stem>.partial.json), rewritten atomically whenever Google
// Benchmark reports a finished benchmark (all its repetitions), and removed
// once the result file is written. If the run is killed (SIGKILL, the OOM
// killer, a crash), it is what survives: a valid result file marked
// incomplete, which locality-report renders.
class Journal {
 public:
  Journal(std::filesystem::path path, nlohmann::json locality)
      : path_(std::move(path)), locality_(std::move(locality)) {
    locality_["run"]["incomplete"] = "the run stopped before it ended (killed, out of memory, or the machine "
                                     "stopped): this file holds every benchmark finished until then";
    write_new_file(path_, "{}\n");  // claims the name; never replaces a file
  }
  ~Journal() { remove(); }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // `current` is the pass running, as Google Benchmark's JSON so far.
  void record(const std::vector<nlohmann::json>& passes, const std::string& current) {
    try {
      std::vector<nlohmann::json> all = passes;
      all.push_back(parse_benchmark_json(current + "\n  ]\n}\n"));
      nlohmann::json result;
      result["context"] = all.front().value("context", nlohmann::json::object());
      result["context"]["locality"] = locality_;
      nlohmann::json kept = nlohmann::json::array();
      for (auto& b : merge_passes(all)) {
        if (b.value("error_message", "").rfind("not run: ", 0) != 0) kept.push_back(std::move(b));
      }
      result["benchmarks"] = std::move(kept);
      rewrite_own_file(path_, result.dump(1) + "\n");
    } catch (const std::exception& e) {
      if (!warned_) std::cerr << "bench_all: cannot update " << path_.string() << ": " << e.what() << "\n";
      warned_ = true;
    }
  }
  void remove() {
    if (!path_.empty()) unlink(path_.c_str());
    path_.clear();
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  nlohmann::json locality_;
  bool warned_ = false;
};

// Google Benchmark's JSON of a pass, captured as a file reporter: the file
// gets every repetition whatever the display flags say. Each finished
// benchmark also goes to the journal.
class Capture : public benchmark::BenchmarkReporter {
 public:
  Capture(Journal* journal, const std::vector<nlohmann::json>* passes) : journal_(journal), passes_(passes) {
    json_.SetOutputStream(&text_);
    json_.SetErrorStream(&text_);
  }
  bool ReportContext(const Context& context) override { return json_.ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override {
    json_.ReportRuns(runs);
    if (journal_ && !runs.empty()) journal_->record(*passes_, text_.str());
  }
  void Finalize() override { json_.Finalize(); }
  std::string text() const { return text_.str(); }

 private:
  Journal* journal_;
  const std::vector<nlohmann::json>* passes_;
  benchmark::JSONReporter json_;
  std::ostringstream text_;
};

constexpr int kRerunRepetitions = 4;  // added to a noisy point per round
// What a default run aims to last, reruns included, so that a lecturer can
// run the whole catalogue between two others: the reruns stop at it.
constexpr double kDefaultRunSeconds = 540;

// The display Google Benchmark's flags ask for (--benchmark_format ...),
// shown as one run: its header once, its end (JSON's closing brackets) once
// after the last pass. Passed explicitly: given null, Google Benchmark 1.7
// frees its default display reporter after one call, and a second pass
// would use it freed.
class Display : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& context) override {
    if (shown_) return true;
    shown_ = true;
    return inner_->ReportContext(context);
  }
  void ReportRuns(const std::vector<Run>& runs) override { inner_->ReportRuns(runs); }
  void Finalize() override {}
  void finish() {
    if (shown_) inner_->Finalize();
  }

 private:
  benchmark::BenchmarkReporter* inner_ = benchmark::CreateDefaultDisplayReporter();
  bool shown_ = false;
};

struct Session {
  Options opt;
  Plan plan;
  Progress progress;
  int repetitions = 5;
  double min_time = 0.05;
  std::vector<nlohmann::json> passes;
  std::vector<nlohmann::json> reruns;  // what each rerun pass ran
  bool interrupted = false;
  bool out_of_time = false;
  // No benchmark run starts after it (unset: --full, --sizes).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // The plan's estimate of each benchmark in the first pass, and how the
  // families run so far compare with theirs.
  std::map<std::string, double> estimate;
  double estimated_done = 0;
  double actual_done = 0;
  std::unique_ptr<Display> display;
  std::unique_ptr<Journal> journal;
};

// One call of Google Benchmark's runner over `benchmarks`.
nlohmann::json run_pass(Session& s, const std::vector<PlannedBenchmark>& benchmarks, int repetitions);

// Before a family's first pass: where the families so far took longer than
// estimated, and what is left would not end by the deadline at that pace,
// the family's share of the time left is what it gets: its dearest largest
// sizes (of cases that keep two) are left out, said, and listed as skipped.
// So a slow machine loses the ends of ladders, never the last families.
void keep_to_schedule(Session& s, std::vector<PlannedBenchmark>& group, const std::vector<PlannedBenchmark>& later) {
  const double pace = s.estimated_done > 20 ? std::clamp(s.actual_done / s.estimated_done, 1.0, 4.0) : 1.0;
  double group_est = 0, later_est = 0;
  for (const auto& b : group) group_est += s.estimate[b.name];
  for (const auto& b : later) later_est += s.estimate[b.name];
  const double left = std::chrono::duration<double>(*s.deadline - std::chrono::steady_clock::now()).count();
  if ((group_est + later_est) * pace <= left || group_est <= 0) return;
  const double share = std::max(0.0, left) * group_est / (group_est + later_est) / pace;
  std::vector<std::string> cut;
  while (group_est > share) {
    std::map<const Case*, std::pair<std::size_t, int>> top;  // case -> (its largest size, its sizes)
    for (std::size_t i = 0; i < group.size(); ++i) {
      auto& [index, count] = top.try_emplace(group[i].c, i, 0).first->second;
      ++count;
      if (group[i].size > group[index].size) index = i;
    }
    std::size_t victim = group.size();
    for (const auto& [c, entry] : top) {
      if (entry.second < 2) continue;
      if (victim == group.size() || s.estimate[group[entry.first].name] > s.estimate[group[victim].name]) {
        victim = entry.first;
      }
    }
    if (victim == group.size()) break;
    group_est -= s.estimate[group[victim].name];
    cut.push_back(group[victim].name);
    group.erase(group.begin() + static_cast<std::ptrdiff_t>(victim));
  }
  if (cut.empty()) return;
  char pace_text[32];
  std::snprintf(pace_text, sizeof pace_text, "%.1fx", pace);
  std::cerr << "bench_all: behind schedule (the run so far took " << pace_text << " its estimate): leaving out "
            << cut.size() << " of the largest sizes of " << group.front().family->name << " to keep to the budget\n";
  for (const auto& name : cut) {
    s.plan.skipped.push_back({name, std::string("left out during the run to fit the time budget: the run was ") +
                                        pace_text + " slower than estimated (--budget or --full runs it)"});
    s.plan.benchmarks.erase(std::remove_if(s.plan.benchmarks.begin(), s.plan.benchmarks.end(),
                                           [&name](const PlannedBenchmark& b) { return b.name == name; }),
                            s.plan.benchmarks.end());
  }
}

// Runs `benchmarks` family by family: inside a family, every benchmark's
// repetitions are interleaved in a random order, so that a disturbance of
// the machine spreads over several benchmarks instead of spoiling one, and
// the family's structures (a few GiB at most) stay in the fixture cache
// between repetitions instead of being rebuilt for each.
void run_by_family(Session& s, const std::vector<PlannedBenchmark>& benchmarks, int repetitions) {
  s.progress.set_total(benchmarks.size() * static_cast<std::size_t>(repetitions));
  const bool first_pass = repetitions == s.repetitions;
  std::vector<PlannedBenchmark> group;
  for (std::size_t i = 0; i < benchmarks.size() && !s.interrupted && !s.out_of_time; ++i) {
    group.push_back(benchmarks[i]);
    if (i + 1 == benchmarks.size() || benchmarks[i + 1].family != benchmarks[i].family) {
      double estimated = 0;
      if (first_pass && s.deadline) {
        keep_to_schedule(s, group, std::vector<PlannedBenchmark>(benchmarks.begin() + static_cast<std::ptrdiff_t>(i) + 1, benchmarks.end()));
        for (const auto& b : group) estimated += s.estimate[b.name];
      }
      const auto t0 = std::chrono::steady_clock::now();
      s.passes.push_back(run_pass(s, group, repetitions));
      if (first_pass) {
        s.actual_done += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        s.estimated_done += estimated;
      }
      group.clear();
    }
  }
}

nlohmann::json run_pass(Session& s, const std::vector<PlannedBenchmark>& benchmarks, int repetitions) {
  benchmark::ClearRegisteredBenchmarks();
  Registration reg;
  // The first pass takes repetitions and minimum time from the flags given
  // to Google Benchmark (names on the display stay plain); reruns set their
  // own count.
  reg.repetitions = repetitions == s.repetitions ? 0 : repetitions;
  reg.on_start = [&s](const PlannedBenchmark& b) -> std::string {
    if (g_signal != 0) {
      if (!s.interrupted) {
        std::cerr << "bench_all: " << signal_name(g_signal)
                  << ": skipping the rest and writing what was measured (again to stop at once)\n";
      }
      s.interrupted = true;
      return kNotRunInterrupted;
    }
    if (s.deadline && std::chrono::steady_clock::now() > *s.deadline) {
      if (!s.out_of_time) std::cerr << "bench_all: the time budget is spent: skipping the rest\n";
      s.out_of_time = true;
      return kNotRunOutOfTime;
    }
    set_simulation_label(b.name);
    s.progress.start(b.name);
    return "";
  };
  if (s.opt.simulation_child) {
    // Every simulated benchmark covers at least 64 Ki units, so the few
    // misses of the benchmark loop's own bookkeeping stay below 0.001 per
    // unit even at the smallest size.
    reg.fixed_iterations = [](std::size_t n) { return std::max<std::size_t>(1, (std::size_t{1} << 16) / n); };
  }
  register_benchmarks(benchmarks, reg);
  Capture capture(s.journal.get(), &s.passes);
  if (!s.display) s.display = std::make_unique<Display>();
  benchmark::RunSpecifiedBenchmarks(s.display.get(), &capture);
  return parse_benchmark_json(capture.text());
}

// Points whose interval is wider than the precision asked for, worst first,
// as many as the budget allows given what a repetition of each cost.
std::vector<PlannedBenchmark> noisy_points(const Session& s, const nlohmann::json& merged, double budget_seconds) {
  std::map<std::string, double> seconds_per_rep;
  for (const auto& b : merged) {
    if (b.value("run_type", "") != "iteration" || b.value("error_occurred", false)) continue;
    const double unit = b.value("time_unit", "ns") == "ns" ? 1e-9 : b.value("time_unit", "") == "us" ? 1e-6
                        : b.value("time_unit", "") == "ms" ? 1e-3 : 1.0;
    auto& t = seconds_per_rep[b["run_name"].get<std::string>()];
    t = std::max(t, b.value("real_time", 0.0) * unit * b.value("iterations", 1.0));
  }
  std::vector<std::pair<double, const PlannedBenchmark*>> wide;
  const auto times = times_per_unit(merged);
  for (const auto& b : s.plan.benchmarks) {
    auto it = times.find(b.name);
    if (it == times.end() || it->second.size() < 2) continue;
    const double w = point_stats(it->second, statistic_of(*b.family, *b.c), b.name).relative_half_width();
    if (w > s.opt.precision) wide.push_back({w, &b});
  }
  std::sort(wide.begin(), wide.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const PlannedBenchmark*> picked;
  double spent = 0;
  for (const auto& [w, b] : wide) {
    // the measured time, and about as much again for calibrating and building
    const double cost = 2.5 * std::max(seconds_per_rep[b->name], s.min_time) * kRerunRepetitions;
    if (spent + cost > budget_seconds) continue;
    spent += cost;
    picked.push_back(b);
  }
  // In the plan's order, so that each family's reruns run together.
  std::sort(picked.begin(), picked.end());
  std::vector<PlannedBenchmark> out;
  for (const auto* b : picked) out.push_back(*b);
  return out;
}

int pin_cpu(const Options& opt, nlohmann::json& sampling) {
  const std::vector<int> allowed = allowed_cpus();
  int cpu = -1;
  if (opt.pin && !allowed.empty()) {
    // The last allowed CPU: CPU 0 takes more of the system's interrupts.
    cpu = allowed.back();
    if (!pin_this_thread(cpu)) cpu = -1;
  }
  set_run_cpus(cpu, allowed);
  sampling["pinned_cpu"] = cpu >= 0 ? nlohmann::json(cpu) : nlohmann::json();
  sampling["cpu_siblings"] = core_siblings(this_machine(), cpu);
  sampling["allowed_cpus"] = allowed;
  if (cpu < 0) {
    sampling["pin_note"] = opt.pin ? "this system does not let a thread be pinned" : "--no-pin";
  }
  return cpu;
}

// ---- simulation ----------------------------------------------------------------

// The simulated misses, merged into every entry that was simulated.
void merge_simulation(nlohmann::json& benchmarks, const SimulationOutcome& sim, const std::vector<CacheLevel>& caches,
                      nlohmann::json& calibration) {
  for (auto& b : benchmarks) {
    if (b.value("run_type", "iteration") != "iteration") continue;
    const std::string name = b.value("run_name", std::string());
    const auto it = sim.iterations.find(name);
    if (it == sim.iterations.end() || !b.contains("elements")) continue;
    // Per unit of work of one iteration (the `elements` counter), which is
    // more than the size in the name where an iteration repeats a small
    // structure (bandwidth passes, chase laps).
    const double units = b["elements"].get<double>() * it->second;
    auto put = [&](const char* key, const std::map<std::string, SimCounts>& pass, bool ll) {
      const auto c = pass.find(name);
      if (c != pass.end() && units > 0) b[key] = (ll ? c->second.ll_misses : c->second.d1_misses) / units;
    };
    put("sim_d1_misses_per_elem", sim.ll_pass, false);
    put("sim_ll_misses_per_elem", sim.ll_pass, true);
    put("sim_l2_misses_per_elem", sim.l2_pass, true);
  }
  for (const auto& kernel : calibration_kernels(caches)) {
    const std::string label = "calibration:" + kernel.name;
    auto check = [&](const std::map<std::string, SimCounts>& pass, const std::string& counter, bool ll) {
      const auto c = pass.find(label);
      const double expected = expected_misses(kernel, counter, caches);
      if (c == pass.end() || std::isnan(expected)) return;
      const double measured = (ll ? c->second.ll_misses : c->second.d1_misses) / static_cast<double>(kernel.elements);
      calibration.push_back(calibration_entry(kernel, "sim_" + counter, expected, measured, 0.1));
    };
    check(sim.ll_pass, "l1d_misses", false);
    check(sim.ll_pass, "llc_misses", true);
    check(sim.l2_pass, "l2_misses", true);
  }
}

nlohmann::json geometry_json(const std::map<std::string, CacheLevel>& geometry) {
  nlohmann::json g = nlohmann::json::object();
  for (const auto& [slot, c] : geometry) {
    g[slot] = {{"level", c.level}, {"size_bytes", c.size_bytes}, {"line_bytes", c.line_bytes}, {"ways", c.ways}};
  }
  return g;
}

// Runs the measured benchmarks again under callgrind; returns what
// counters.simulation records, or null (after saying why) when the
// simulation failed.
nlohmann::json simulate(const Session& s, nlohmann::json& benchmarks, CountersStatus& counters,
                        nlohmann::json& calibration) {
  const std::vector<CacheLevel>& caches = this_machine().caches;
  SimulationRequest request;
  request.exe = executable_path();
  request.caches = caches;
  if (s.opt.quick) request.child_args.push_back("--quick");
  request.child_args.push_back("--max-memory=" + std::to_string(s.plan.memory_budget));
  request.child_args.push_back("--llc=" + std::to_string(s.plan.llc_bytes));
  if (s.plan.sizes_given) {
    std::string list;
    for (std::size_t n : s.plan.ladder) list += (list.empty() ? "" : ",") + std::to_string(n);
    request.child_args.push_back("--sizes=" + list);
  }
  std::vector<std::string> unmodelled, too_large;
  for (const auto& b : s.plan.benchmarks) {
    if (!b.c->not_simulated.empty()) {
      unmodelled.push_back(b.name);
    } else {
      (b.size <= s.opt.simulate_max_elements ? request.names : too_large).push_back(b.name);
    }
  }
  if (!unmodelled.empty()) {
    const Case& c = *find_case(unmodelled.front()).c;
    std::cerr << "bench_all: not simulating " << unmodelled.size() << " benchmark(s) whose effect the simulator "
              << "cannot model, e.g. " << unmodelled.front() << ": " << c.not_simulated << "\n";
  }
  if (!too_large.empty()) {
    std::cerr << "bench_all: not simulating " << too_large.size() << " benchmark(s) above "
              << s.opt.simulate_max_elements << " (--simulate-max-elements), e.g. " << too_large.front() << "\n";
  }
  if (request.names.empty()) {
    std::cerr << "bench_all: --simulate: no selected size is small enough to simulate; the timings are kept\n";
    return nullptr;
  }
  if (request.exe.empty()) {
    std::cerr << "bench_all: --simulate: this system does not say where bench_all is; the timings are kept\n";
    return nullptr;
  }
  const SimulationOutcome sim = run_simulation(request);
  if (!sim.error.empty()) {
    std::cerr << "bench_all: --simulate: " << sim.error << "; the timings are kept\n";
    return nullptr;
  }
  merge_simulation(benchmarks, sim, caches, calibration);
  std::vector<std::string> not_simulated = unmodelled;
  not_simulated.insert(not_simulated.end(), too_large.begin(), too_large.end());
  if (counters.backend == "none") counters.backend = "simulated";
  counters.status = counters.backend == "simulated" ? "simulated" : counters.status;
  for (const char* e : {"sim_d1_misses=callgrind D1mr+D1mw", "sim_ll_misses=callgrind DLmr+DLmw",
                        "sim_l2_misses=callgrind DLmr+DLmw with L2 geometry as LL"}) {
    counters.events.push_back(e);
  }
  return {{"tool", sim.valgrind_version + " callgrind --cache-sim=yes (LRU, write-allocate, no prefetcher)"},
          {"geometry", geometry_json(sim.geometry)},
          {"geometry_notes", sim.geometry_notes},
          {"shim", sim.shim},
          {"max_elements", s.opt.simulate_max_elements},
          {"not_simulated", not_simulated}};
}

// Under valgrind: run the calibration kernels with the callgrind backend
// before the benchmarks, each dump labelled "calibration:<kernel>".
void simulate_calibration(const std::vector<CacheLevel>& caches) {
  for (const auto& kernel : calibration_kernels(caches)) {
    set_simulation_label("calibration:" + kernel.name);
    run_calibration_kernel(kernel, counter_backend());
  }
}

// ---- the run -----------------------------------------------------------------

void initialize_google_benchmark(const char* argv0, const Session& s, bool interleave) {
  const Options& opt = s.opt;
  // Static: Google Benchmark keeps pointers into argv (the executable name).
  static std::vector<std::string> args;
  args = {argv0, "--benchmark_out=/dev/null",  // ours is the file reporter
          "--benchmark_repetitions=" + std::to_string(s.repetitions),
          "--benchmark_min_time=" + std::to_string(s.min_time)};
  if (interleave) args.push_back("--benchmark_enable_random_interleaving=true");
  args.insert(args.end(), opt.benchmark_args.begin(), opt.benchmark_args.end());
  static std::vector<char*> argv;
  argv.clear();
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  if (benchmark::ReportUnrecognizedArguments(argc, argv.data())) std::exit(2);
}

// Times the cases once (or takes their costs from the cache), estimates
// the plan and trims it to the budget; prints what it cut in one line.
Fit plan_to_budget(Session& s, double& calibration_s) {
  const Options& opt = s.opt;
  const BuildInfo build = this_build();
  // The machine that runs the cases, whatever topology hwloc was told to
  // report (HWLOC_XMLFILE), and the build.
  const std::string key = host_name() + " | " + this_machine().isa + " | " + build.git_commit;
  const auto cache = cost_cache_path();
  const Costs cached = read_cost_cache(cache, key);
  const Costs costs = calibrate(s.plan, cached, calibration_s);
  Costs kept = cached;  // the other cases' costs stay in the cache
  for (const auto& [name, cost] : costs) kept[name] = cost;
  if (kept.size() != cached.size() || calibration_s > 0.1) write_cost_cache(cache, key, kept);
  Budget budget;
  budget.seconds = opt.budget;
  budget.cut = !opt.full && !s.plan.sizes_given && !opt.simulation_child;
  Fit fit = fit_to_budget(s.plan, costs, s.repetitions, s.min_time, Fixtures::capacity(), calibration_s, budget);
  return fit;
}

void print_estimate(std::ostream& out, const Plan& plan, const Fit& fit, const Options& opt) {
  const TimeEstimate& e = fit.estimate;
  out << "estimated time: " << format_seconds(e.total()) << " of a " << format_seconds(opt.budget) << " budget ("
      << "timing the cases " << format_seconds(e.calibration_s) << ", first pass " << format_seconds(e.first_pass_s)
      << ", reruns of noisy points up to " << format_seconds(e.reruns_s) << ", probes " << format_seconds(e.fixed_s)
      << ", report " << format_seconds(e.report_s) << ")\n";
  if (!fit.cut.empty()) {
    std::map<std::string, int> by_case;
    for (const auto& c : fit.cut) by_case[c.name.substr(0, c.name.rfind('/'))]++;
    std::vector<std::pair<int, std::string>> most;
    for (const auto& [name, n] : by_case) most.push_back({n, name});
    std::sort(most.rbegin(), most.rend());
    out << "cut for time: " << fit.cut.size() << " of " << plan.benchmarks.size() + fit.cut.size()
        << " benchmarks, the largest sizes of " << by_case.size() << " case(s) (";
    for (std::size_t i = 0; i < most.size() && i < 3; ++i) out << (i ? ", " : "") << most[i].second;
    out << (most.size() > 3 ? ", ..." : "") << "); the whole plan would take about "
        << format_seconds(fit.untrimmed.total()) << ": --full runs it, --budget TIME allows more\n";
  } else if (e.total() > opt.budget) {
    out << "over the budget: nothing is cut " << (opt.full ? "with --full" : "with --sizes")
        << "; the run takes about " << format_seconds(e.total()) << "\n";
  }
}

int run(int argc, char** argv) {
  const auto started = std::chrono::system_clock::now();
  const auto run_start = std::chrono::steady_clock::now();
  Session s;
  s.opt = parse(argc, argv);
  const Options& opt = s.opt;
  if (opt.list_counters) {
    print_counters(std::cout, probe_papi(counter_list_or_exit(opt)));
    return 0;
  }
  if (opt.simulation_child && !running_on_valgrind()) usage_error("--simulation-child is internal to --simulate");
  if (opt.counters) counter_list_or_exit(opt);
  s.plan = plan_or_exit(opt);
  if (opt.list) {
    print_catalogue(std::cout, s.plan);
    return 0;
  }
  if (opt.list_tests) {
    for (const auto& b : s.plan.benchmarks) std::cout << b.name << "\n";
    return 0;
  }
  const bool default_name = opt.out.empty();
  const std::filesystem::path out =
      default_name ? default_result_path("results", host_name(), utc_stamp(started)) : std::filesystem::path(opt.out);
  if (!opt.dry_run) {
    try {
      check_can_create(out);
    } catch (const std::exception& e) {
      std::cerr << "bench_all: " << e.what() << "\n";
      return 2;
    }
  }
  s.repetitions = opt.repetitions.value_or(opt.quick || opt.simulation_child ? 1 : 5);
  s.min_time = opt.min_time.value_or(opt.quick ? 0.01 : 0.03);
  const bool interleave = opt.interleave.value_or(!opt.simulation_child);
  initialize_google_benchmark(argv[0], s, interleave);
  for (const auto& n : opt.notes) std::cerr << "bench_all: " << n << "\n";
  for (const auto& n : this_machine().cache_notes) {
    std::cerr << "bench_all: cache figure not used as reported: " << cache_note_text(n) << "\n";
  }

  nlohmann::json sampling = {{"repetitions", s.repetitions},
                             {"min_time_s", s.min_time},
                             {"interleaved", interleave},
                             {"precision", opt.precision},
                             {"statistics", "per case: median, or minimum (latency, bandwidth); 95% percentile "
                                            "bootstrap interval"}};
  if (!opt.simulation_child) pin_cpu(opt, sampling);
  // Fixtures kept between interleaved repetitions, in at most a quarter of
  // the memory budget (and 4 GiB): the rest is for the structure running.
  Fixtures::set_capacity(std::min<std::size_t>(s.plan.memory_budget / 4, std::size_t{4} << 30));
  sampling["fixture_cache_bytes"] = Fixtures::capacity();

  double calibration_s = 0;
  Fit fit;
  if (!opt.simulation_child) {
    catch_signals();  // a Ctrl-C while the cases are timed ends the run there
    fit = plan_to_budget(s, calibration_s);
    if (g_signal != 0) {
      std::cerr << "bench_all: " << signal_name(g_signal) << " before the run started: nothing measured\n";
      return 128 + g_signal;
    }
  }
  if (opt.dry_run) {
    print_plan(std::cout, s.plan, fit.seconds);
    print_estimate(std::cout, s.plan, fit, opt);
    return 0;
  }
  for (const auto& skip : s.plan.skipped) std::cerr << "bench_all: skipping " << skip.name << ": " << skip.reason << "\n";
  if (!opt.simulation_child) {
    std::ostringstream line;
    print_estimate(line, s.plan, fit, opt);
    std::string text = line.str();
    for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos && at + 1 < text.size(); at += 12) {
      text.insert(at + 1, "bench_all: ");
    }
    std::cerr << "bench_all: " << s.plan.benchmarks.size() << " benchmarks; " << text;
    s.estimate = fit.seconds;
    if (!opt.full && !s.plan.sizes_given) {
      // The report's time is kept out of the run's.
      s.deadline = run_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(opt.budget - fit.estimate.report_s));
    }
  }

  nlohmann::json calibration = nlohmann::json::array();
  CountersStatus counters;
  if (opt.simulation_child) {
    set_counter_backend(make_callgrind_backend());
    simulate_calibration(this_machine().caches);
  } else {
    counters = open_counters(opt, this_machine().caches, calibration);
  }
  auto run_json = [&]() {
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& sk : s.plan.skipped) skipped.push_back({{"name", sk.name}, {"reason", sk.reason}});
    return nlohmann::json{{"quick", opt.quick},
                          {"ladder", s.plan.ladder},
                          {"llc_bytes", s.plan.llc_bytes},
                          {"llc_source", s.plan.llc_source},
                          {"skipped", skipped},
                          {"memory_budget_bytes", s.plan.memory_budget},
                          {"memory_budget_source", s.plan.memory_budget_source},
                          {"budget_s", opt.full || s.plan.sizes_given ? nlohmann::json() : nlohmann::json(opt.budget)},
                          {"estimate_s", opt.simulation_child ? nlohmann::json() : nlohmann::json(fit.estimate.total())},
                          {"calibration_s", calibration_s}};
  };
  const nlohmann::json base_context =
      locality_context(utc_iso(started), this_machine(), counters, s.plan.llc_bytes, s.plan.quick);
  if (!opt.simulation_child) {
    nlohmann::json journal_context = base_context;
    journal_context["sampling"] = sampling;
    journal_context["calibration"] = calibration;
    journal_context["run"] = run_json();
    journal_context["warnings"] = nlohmann::json::array();
    std::filesystem::path partial = out;
    partial.replace_extension(".partial.json");
    try {
      s.journal = std::make_unique<Journal>(partial, journal_context);
    } catch (const std::exception& e) {
      std::cerr << "bench_all: " << e.what() << "; the run goes on without a journal (a kill loses it all)\n";
    }
  }
  std::optional<ClockProbe> clock_before;
  if (!opt.simulation_child) clock_before = probe_clock();

  catch_signals();
  const auto pass_start = std::chrono::steady_clock::now();
  // A copy: keeping to the schedule removes benchmarks from the plan.
  const std::vector<PlannedBenchmark> planned = s.plan.benchmarks;
  run_by_family(s, planned, s.repetitions);
  const double first_pass = std::chrono::duration<double>(std::chrono::steady_clock::now() - pass_start).count();
  // More repetitions for the points too noisy to cite, while the budget
  // lasts: a point whose repetitions agree is done after the first pass, a
  // noisy one gets more samples, round after round.
  if (s.repetitions >= 2 && !s.interrupted && !s.out_of_time && !opt.simulation_child) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    const double left = s.deadline ? std::chrono::duration<double>(*s.deadline - std::chrono::steady_clock::now()).count() - 10
                                   : std::max(60.0, kDefaultRunSeconds - elapsed);
    double budget = opt.rerun_budget.value_or(std::max(0.0, std::min(first_pass, left)));
    for (int round = 0; round < 5 && budget > 1 && !s.interrupted && !s.out_of_time; ++round) {
      const auto noisy = noisy_points(s, merge_passes(s.passes), budget);
      if (noisy.empty()) break;
      std::cerr << "bench_all: rerunning " << noisy.size() << " point(s) whose 95% interval is wider than +-"
                << opt.precision * 100 << "%\n";
      const auto t0 = std::chrono::steady_clock::now();
      run_by_family(s, noisy, kRerunRepetitions);
      budget -= std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      nlohmann::json names = nlohmann::json::array();
      for (const auto& b : noisy) names.push_back(b.name);
      s.reruns.push_back(names);
    }
  }
  if (s.display) s.display->finish();
  benchmark::Shutdown();
  std::optional<ClockProbe> clock_after;
  if (!opt.simulation_child && !s.interrupted) clock_after = probe_clock();

  nlohmann::json result;
  result["context"] = s.passes.empty() ? nlohmann::json::object() : s.passes.front().value("context", nlohmann::json::object());
  nlohmann::json benchmarks = merge_passes(s.passes);
  // What did not run is not a failure of the benchmark: it is left out, and
  // the file says why (interrupted, or out of time).
  std::vector<std::string> out_of_time;
  {
    nlohmann::json kept = nlohmann::json::array();
    std::set<std::string> seen;
    for (auto& b : benchmarks) {
      const std::string why = b.value("error_message", "");
      if (why == kNotRunOutOfTime && b.value("run_type", "") == "iteration" && seen.insert(b.value("run_name", "")).second) {
        out_of_time.push_back(b.value("run_name", ""));
      }
      if (why != kNotRunInterrupted && why != kNotRunOutOfTime) kept.push_back(b);
    }
    benchmarks = kept;
  }
  if (benchmarks.empty()) {
    std::cerr << "bench_all: nothing was measured; no result file written\n";
    return s.interrupted ? 128 + g_signal : 1;
  }
  nlohmann::json simulation;
  if (opt.simulate && !s.interrupted) simulation = simulate(s, benchmarks, counters, calibration);
  result["benchmarks"] = benchmarks;

  nlohmann::json& loc = result["context"]["locality"];
  loc = base_context;
  if (!simulation.is_null()) {
    loc["counters"] = locality_context(utc_iso(started), this_machine(), counters, s.plan.llc_bytes, s.plan.quick)["counters"];
    loc["counters"]["simulation"] = simulation;
  }
  loc["calibration"] = calibration;
  sampling["reruns"] = s.reruns;
  sampling["first_pass_s"] = first_pass;
  loc["sampling"] = sampling;
  if (clock_before) {
    loc["clock"] = {{"before", to_json(*clock_before)}};
    if (clock_after) loc["clock"]["after"] = to_json(*clock_after);
  }
  std::vector<std::string> warnings;
  for (const auto& c : calibration) {
    if (!c.value("ok", false)) {
      std::ostringstream w;
      w << "calibration: " << c.value("kernel", "") << " " << c.value("counter", "") << " measured "
        << c["measured_per_elem"] << " per element, expected about " << c.value("expected_per_elem", 0.0);
      warnings.push_back(w.str());
    }
  }
  for (auto& w : impossible_counts(benchmarks, this_machine().caches)) warnings.push_back(std::move(w));
  for (const auto& n : this_machine().cache_notes) warnings.push_back("cache figure not used as reported: " + cache_note_text(n));
  if (!out_of_time.empty()) {
    warnings.push_back(std::to_string(out_of_time.size()) + " benchmark(s) did not run: the time budget of " +
                       format_seconds(opt.budget) + " was spent (the estimate was " +
                       format_seconds(fit.estimate.total()) + "), e.g. " + out_of_time.front());
  }
  for (const auto& w : warnings) std::cerr << "bench_all: warning: " << w << "\n";
  loc["warnings"] = warnings;
  for (const auto& name : out_of_time) s.plan.skipped.push_back({name, kNotRunOutOfTime});
  loc["run"] = run_json();
  loc["run"]["seconds"] = std::chrono::duration<double>(std::chrono::system_clock::now() - started).count();
  if (s.interrupted) {
    loc["run"]["incomplete"] = std::string("interrupted by ") + signal_name(g_signal) +
                               " before every benchmark had run";
  }

  const SavedResult saved = save_result(out, result.dump(2) + "\n", default_name);
  if (saved.written.empty()) {
    std::cerr << "bench_all: " << saved.failure << "; no fallback file could be written either"
              << (s.journal ? ": what was measured is in " + s.journal->path().string() : ": the measurements are lost")
              << "\n";
    if (s.journal) s.journal.release();  // keep it
    return 1;
  }
  if (s.journal) s.journal->remove();
  if (!saved.failure.empty()) {
    std::cerr << "bench_all: " << saved.failure << "\nbench_all: the measurements are in " << saved.written.string()
              << " instead\n";
  } else {
    std::cerr << "bench_all: wrote " << saved.written.string() << "\n";
  }
  std::cerr << "result file: " << saved.written.string() << std::endl;
  if (!saved.failure.empty()) return 1;
  if (s.interrupted) return 128 + g_signal;
  std::vector<std::string> errors;
  for (const auto& b : benchmarks) {
    if (b.value("error_occurred", false)) errors.push_back(b.value("run_name", std::string()) + ": " + b.value("error_message", std::string()));
  }
  if (!errors.empty()) {
    std::cerr << "bench_all: " << errors.size() << " benchmark run(s) failed:\n";
    for (const auto& e : errors) std::cerr << "  " << e << "\n";
    return 3;
  }
  return 0;
}

}  // namespace
}  // namespace locality

int main(int argc, char** argv) { return locality::run(argc, argv); }
