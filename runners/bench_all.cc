// bench_all: runs the locality catalogue with Google Benchmark and writes one
// result file: Google Benchmark's JSON plus context.locality (see DESIGN.md).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cases/family.h"
#include "runners/calibration.h"
#include "runners/context.h"
#include "runners/derived.h"
#include "runners/events.h"
#include "runners/levels.h"
#include "runners/papi_backend.h"
#include "runners/simulate.h"
#include "runners/counters.h"
#include "runners/machine.h"
#include "runners/result_file.h"

namespace locality {
namespace {

constexpr const char* kUsage = R"(usage: bench_all [options] [FAMILY[/CASE] ...] [--benchmark_* flags]

Runs the locality benchmarks and writes one result file (Google Benchmark
JSON plus machine context).

  FAMILY[/CASE]       run only these families or cases (default: all);
                      see --list
  --list              list families and cases with what each shows, and the
                      sizes this machine would run, then exit
  --quick             smoke run: 4 sizes (the last beyond the last-level
                      cache), 1 repetition, short minimum time
  --out PATH          result file to write (default:
                      results/<host>-<UTC yyyymmddThhmmssZ>.json); an
                      existing file is never overwritten
  --sizes LIST        run every selected case at these element counts
                      (comma-separated, e.g. 1024,64K,1M; K and M are 1024
                      and 1024^2) instead of the families' ladders
  --max-memory SIZE   skip sizes whose structure would need more than SIZE
                      bytes (e.g. 512M, 4G; default: 80% of MemAvailable)
  --counters LIST     hardware counters to read through PAPI, comma-separated
                      (l1d_misses,l2_misses,llc_misses,dtlb_misses,cycles,
                      instructions; NAME=EVENT forces an event; default: all
                      that this machine has; "none": do not read any). Naming
                      counters that cannot be read is an error.
  --list-counters     for each counter: the event chosen here and whether it
                      can be read, then exit
  --simulate          also simulate the caches with valgrind's callgrind
                      (geometry from sysfs) and write sim_d1_misses_per_elem,
                      sim_l2_misses_per_elem and sim_ll_misses_per_elem
  --simulate-max-elements N
                      largest size to simulate (default 1048576); larger
                      sizes are timed but not simulated
  -h, --help          this text

Google Benchmark's own flags work as usual, for example
--benchmark_filter=REGEX, --benchmark_repetitions=N (default 5, quick 1),
--benchmark_min_time=SECONDS (default 0.05, quick 0.01). Use --out instead of
--benchmark_out.
)";

struct Options {
  bool list = false;
  bool quick = false;
  bool list_counters = false;
  bool simulate = false;
  bool simulation_child = false;  // internal: the run under valgrind
  std::size_t simulate_max_elements = std::size_t{1} << 20;
  std::optional<std::string> counters;
  std::string out;
  std::optional<std::size_t> max_memory;
  std::vector<std::size_t> sizes;  // --sizes: element counts for every case
  std::vector<std::string> selectors;
  std::vector<std::string> benchmark_args;  // passed to Google Benchmark
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "bench_all: " << message << "\n(run bench_all --help for usage)\n";
  std::exit(2);
}

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
  for (const auto& a : args) {
    if (a.rfind(flag + "=", 0) == 0 || a == flag) return true;
  }
  return false;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const std::string& flag) -> std::string {
      if (a.size() > flag.size() && a[flag.size()] == '=') return a.substr(flag.size() + 1);
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--list") {
      o.list = true;
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--out" || a.rfind("--out=", 0) == 0) {
      o.out = value("--out");
    } else if (a == "--max-memory" || a.rfind("--max-memory=", 0) == 0) {
      const std::string v = value("--max-memory");
      o.max_memory = parse_size(v);
      if (!o.max_memory) usage_error("--max-memory: '" + v + "' is not a size such as 512M or 4G");
    } else if (a == "--sizes" || a.rfind("--sizes=", 0) == 0) {
      const std::string v = value("--sizes");
      std::stringstream items(v);
      std::string item;
      while (std::getline(items, item, ',')) {
        const auto n = parse_size(item);
        if (!n || *n == 0) usage_error("--sizes: '" + item + "' is not a positive element count such as 4096 or 64K");
        o.sizes.push_back(*n);
      }
      if (o.sizes.empty()) usage_error("--sizes needs at least one element count");
      std::sort(o.sizes.begin(), o.sizes.end());
      o.sizes.erase(std::unique(o.sizes.begin(), o.sizes.end()), o.sizes.end());
    } else if (a == "--list-counters") {
      o.list_counters = true;
    } else if (a == "--simulate") {
      o.simulate = true;
    } else if (a == "--simulation-child") {
      o.simulation_child = true;
    } else if (a == "--counters" || a.rfind("--counters=", 0) == 0) {
      o.counters = value("--counters");
    } else if (a == "--simulate-max-elements" || a.rfind("--simulate-max-elements=", 0) == 0) {
      const std::string v = value("--simulate-max-elements");
      const auto n = parse_size(v);
      if (!n || *n == 0) usage_error("--simulate-max-elements: '" + v + "' is not a positive count");
      o.simulate_max_elements = *n;
    } else if (a.rfind("--benchmark_out", 0) == 0) {
      usage_error("use --out PATH instead of " + a + ": bench_all writes the result file itself");
    } else if (a.rfind("--benchmark_", 0) == 0 || a.rfind("--v=", 0) == 0) {
      o.benchmark_args.push_back(a);
    } else if (a.rfind("-", 0) == 0) {
      usage_error("unknown option " + a);
    } else {
      o.selectors.push_back(a);
    }
  }
  return o;
}

std::string mib(std::size_t bytes) {
  std::ostringstream s;
  s << (bytes + (1u << 19)) / (1u << 20) << " MiB";
  return s.str();
}

void print_catalogue(std::ostream& out, const std::vector<std::size_t>& ladder,
                     std::size_t llc_bytes, bool quick) {
  auto sizes = [&](const char* indent, LadderFn ladder) {
    if (!ladder) return;
    out << indent << "sizes (elements):";
    for (std::size_t n : ladder(llc_bytes, quick)) out << " " << n;
    out << "\n";
  };
  for (const Family& f : families()) {
    out << f.name << "\n  shows:    " << f.demonstrates << "\n  expected: " << f.expected << "\n";
    for (const Case& c : f.cases) {
      out << "    " << f.name << "/" << c.name << "  " << c.summary << "\n";
      sizes("      ", c.ladder);
    }
    sizes("  ", f.ladder);
  }
  out << "sizes (elements) of the other families:";
  for (std::size_t n : ladder) out << " " << n;
  out << "\n";
}

// Turns FAMILY or FAMILY/CASE selectors into a Google Benchmark filter.
std::string selectors_to_filter(const std::vector<std::string>& selectors,
                                const std::vector<std::size_t>& ladder, std::size_t llc_bytes,
                                bool quick) {
  std::string filter;
  for (const std::string& sel : selectors) {
    bool known = false;
    for (const Family& f : families()) {
      if (sel == f.name) known = true;
      for (const Case& c : f.cases) {
        if (sel == f.name + "/" + c.name) known = true;
      }
    }
    if (!known) {
      std::cerr << "bench_all: unknown family or case '" << sel << "'. These exist:\n";
      print_catalogue(std::cerr, ladder, llc_bytes, quick);
      std::exit(2);
    }
    filter += (filter.empty() ? "^(" : "|") + sel;
  }
  return filter + ")/";
}

// The `names` Google Benchmark's filter selects (same rules: a leading '-'
// negates, "all" and "." match everything).
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
  } catch (const std::regex_error& e) {
    usage_error("--benchmark_filter '" + filter + "' is not a valid regular expression");
  }
  std::vector<std::string> selected;
  for (const auto& name : names) {
    if (std::regex_search(name, re) != negate) selected.push_back(name);
  }
  return selected;
}

std::size_t elements_of(const std::string& name) {
  return static_cast<std::size_t>(std::stoull(name.substr(name.rfind('/') + 1)));
}

void print_counters(std::ostream& out, const PapiProbe& probe) {
  for (const LogicalCounter& c : logical_counters()) {
    const EventChoice* choice = nullptr;
    for (const auto& ch : probe.choices) {
      if (ch.logical == c.name) choice = &ch;
    }
    out << c.name << "  (" << c.meaning << ")\n";
    if (choice && !choice->event.empty()) {
      out << "    counts with " << choice->event << "\n";
    } else {
      out << "    unavailable\n";
    }
    if (choice) {
      for (const auto& t : choice->tried) out << "    tried " << t << "\n";
    }
  }
  out << "status: " << probe.status.status;
  if (!probe.status.reason.empty()) out << ": " << probe.status.reason;
  out << "\n";
}

// Opens hardware counters as asked; exits with 2 when counters named
// explicitly cannot be read.
CountersStatus open_counters(const Options& opt, const std::vector<CacheLevel>& caches,
                             nlohmann::json& calibration) {
  CountersStatus status;
  if (opt.counters && *opt.counters == "none") {
    status.status = "off";
    status.reason = "hardware counters not requested (--counters none)";
    return status;
  }
  std::vector<std::string> wanted;
  try {
    wanted = parse_counter_list(opt.counters.value_or("all"));
  } catch (const std::invalid_argument& e) {
    usage_error(std::string("--counters: ") + e.what());
  }
  PapiProbe probe = probe_papi(wanted);
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
            << (probe.backend ? status.status + " (" + std::to_string(status.events.size()) + " events)"
                              : status.reason)
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
        calibration.push_back(calibration_entry(
            kernel, r.name, expected, derived::per_element(r.value, 1, kernel.elements), 1.0));
      }
    }
  }
  return status;
}

// The simulated misses, merged into every native entry that was simulated.
void merge_simulation(nlohmann::json& result, const SimulationOutcome& sim,
                      const std::vector<CacheLevel>& caches, nlohmann::json& calibration) {
  for (auto& b : result["benchmarks"]) {
    if (b.value("run_type", "iteration") != "iteration") continue;
    const std::string name = b.value("run_name", std::string());
    const auto it = sim.iterations.find(name);
    if (it == sim.iterations.end()) continue;
    // The work of one iteration (the `elements` counter), which is more
    // than the size in the name where an iteration repeats a small
    // structure (bandwidth passes, chase laps).
    const double elements = b.contains("elements") ? b["elements"].get<double>()
                                                   : static_cast<double>(elements_of(name));
    auto put = [&](const char* key, const std::map<std::string, SimCounts>& pass, bool ll) {
      const auto c = pass.find(name);
      if (c == pass.end()) return;
      b[key] = derived::per_element(ll ? c->second.ll_misses : c->second.d1_misses, it->second, elements);
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
      const double measured = derived::per_element(ll ? c->second.ll_misses : c->second.d1_misses, 1,
                                                   static_cast<double>(kernel.elements));
      calibration.push_back(calibration_entry(kernel, "sim_" + counter, expected, measured, 0.1));
    };
    check(sim.ll_pass, "l1d_misses", false);
    check(sim.ll_pass, "llc_misses", true);
    check(sim.l2_pass, "l2_misses", true);
  }
}

// The cache levels read off latency/random_chase (medians per size), beside
// the sizes sysfs gives; null when that case did not run at 4 sizes or more.
nlohmann::json latency_levels(const nlohmann::json& benchmarks, const std::vector<CacheLevel>& caches) {
  std::map<double, std::vector<double>> by_size;
  for (const auto& b : benchmarks) {
    const std::string name = b.value("run_name", std::string());
    if (b.value("run_type", "iteration") != "iteration" || name.rfind("latency/random_chase/", 0) != 0 ||
        b.value("error_occurred", false)) {
      continue;
    }
    by_size[b.at("working_set_bytes").get<double>()].push_back(b.at("real_time").get<double>() /
                                                               b.at("elements").get<double>());
  }
  if (by_size.size() < 4) return nullptr;
  std::vector<LatencyPoint> points;
  for (auto& [size, values] : by_size) {
    std::sort(values.begin(), values.end());
    points.push_back({size, values[values.size() / 2]});
  }
  nlohmann::json detected = nlohmann::json::array();
  for (const auto& l : detect_levels(points)) {
    detected.push_back({{"size_bytes", l.size_bytes}, {"latency_ns", l.latency_ns},
                        {"next_latency_ns", l.next_latency_ns}});
  }
  nlohmann::json sysfs = nlohmann::json::array();
  for (const auto& c : caches) {
    if (c.type != "Instruction") sysfs.push_back({{"level", c.level}, {"size_bytes", c.size_bytes}});
  }
  return {{"from", "latency/random_chase"}, {"detected", detected}, {"sysfs", sysfs}};
}

nlohmann::json geometry_json(const std::map<std::string, CacheLevel>& geometry) {
  nlohmann::json g = nlohmann::json::object();
  for (const auto& [slot, c] : geometry) {
    g[slot] = {{"level", c.level}, {"size_bytes", c.size_bytes}, {"line_bytes", c.line_bytes}, {"ways", c.ways}};
  }
  return g;
}

// Under valgrind: run the calibration kernels with the callgrind backend
// before the benchmarks, each dump labelled "calibration:<kernel>".
void simulate_calibration(const std::vector<CacheLevel>& caches) {
  for (const auto& kernel : calibration_kernels(caches)) {
    set_simulation_label("calibration:" + kernel.name);
    run_calibration_kernel(kernel, counter_backend());
  }
}

// Prints "[k/N] name  (elapsed)" to stderr when a benchmark starts.
class Progress {
 public:
  void set_total(std::size_t total) { total_ = total; }
  void start(const std::string& name) {
    if (!seen_.insert(name).second) return;
    const auto elapsed = std::chrono::steady_clock::now() - t0_;
    const long s = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count());
    std::fprintf(stderr, "[%zu/%zu %ld:%02ld] %s\n", seen_.size(), total_, s / 60, s % 60,
                 name.c_str());
  }

 private:
  std::size_t total_ = 0;
  std::set<std::string> seen_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

// Shows runs on the console and collects Google Benchmark's own JSON.
class TeeReporter : public benchmark::BenchmarkReporter {
 public:
  explicit TeeReporter(bool color)
      : console_(color ? benchmark::ConsoleReporter::OO_Defaults
                       : benchmark::ConsoleReporter::OO_None) {
    json_.SetOutputStream(&json_text_);
    json_.SetErrorStream(&json_text_);
  }
  bool ReportContext(const Context& context) override {
    json_.ReportContext(context);
    return console_.ReportContext(context);
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred) errors_.push_back(r.benchmark_name() + ": " + r.error_message);
    }
    json_.ReportRuns(runs);
    console_.ReportRuns(runs);
  }
  void Finalize() override {
    json_.Finalize();
    console_.Finalize();
  }
  std::string json() const { return json_text_.str(); }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  benchmark::ConsoleReporter console_;
  benchmark::JSONReporter json_;
  std::ostringstream json_text_;
  std::vector<std::string> errors_;
};

int run(int argc, char** argv) {
  const auto started = std::chrono::system_clock::now();
  Options opt = parse(argc, argv);

  const std::vector<CacheLevel> caches = read_caches();
  std::size_t llc_bytes = 32u << 20;
  if (auto llc = last_level_cache(caches)) {
    llc_bytes = llc->size_bytes;
  } else {
    std::cerr << "bench_all: warning: sysfs describes no caches; assuming a 32 MiB last-level cache\n";
  }
  const std::vector<std::size_t> ladder = opt.sizes.empty() ? size_ladder(llc_bytes, opt.quick) : opt.sizes;
  if (opt.list) {
    print_catalogue(std::cout, ladder, llc_bytes, opt.quick);
    return 0;
  }
  if (opt.list_counters) {
    try {
      print_counters(std::cout, probe_papi(parse_counter_list(opt.counters.value_or("all"))));
    } catch (const std::invalid_argument& e) {
      usage_error(std::string("--counters: ") + e.what());
    }
    return 0;
  }
  if (opt.simulation_child && !running_on_valgrind()) {
    usage_error("--simulation-child is internal to --simulate");
  }

  std::size_t memory_budget = opt.max_memory.value_or(0);
  if (!opt.max_memory) {
    memory_budget = static_cast<std::size_t>(0.8 * static_cast<double>(mem_available_bytes().value_or(std::size_t{4} << 30)));
  }

  Progress progress;
  RegisterOptions reg;
  reg.ladder = ladder;
  // Explicit --sizes replace every family's own ladder too.
  reg.family_ladders_llc_bytes = opt.sizes.empty() ? llc_bytes : 0;
  reg.quick = opt.quick;
  reg.on_start = [&progress](const std::string& name) {
    set_simulation_label(name);
    progress.start(name);
  };
  reg.skip_reason = [memory_budget](const Case& c, std::size_t n) -> std::string {
    const auto need = static_cast<std::size_t>(c.peak_bytes_per_element * static_cast<double>(n));
    if (need <= memory_budget) return "";
    return "needs about " + mib(need) + ", more than the " + mib(memory_budget) + " allowed";
  };
  if (opt.simulation_child) {
    // Every simulated benchmark covers at least 64 Ki elements, so the few
    // misses of the benchmark loop's own bookkeeping stay below 0.001 per
    // element even at the smallest size.
    reg.fixed_iterations = [](std::size_t n) { return std::max<std::size_t>(1, (std::size_t{1} << 16) / n); };
  }
  std::vector<std::string> skipped;
  reg.on_skip = [&skipped](const std::string& name, const std::string& reason) {
    skipped.push_back(name);
    std::cerr << "bench_all: skipping " << name << ": " << reason << "\n";
  };
  const std::vector<std::string> names = register_benchmarks(reg);

  if (!opt.selectors.empty()) {
    if (has_flag(opt.benchmark_args, "--benchmark_filter")) {
      usage_error("give either FAMILY[/CASE] names or --benchmark_filter, not both");
    }
    opt.benchmark_args.push_back("--benchmark_filter=" + selectors_to_filter(opt.selectors, ladder, llc_bytes, opt.quick));
  }
  if (!has_flag(opt.benchmark_args, "--benchmark_repetitions")) {
    opt.benchmark_args.push_back(opt.quick ? "--benchmark_repetitions=1" : "--benchmark_repetitions=5");
  }
  if (!has_flag(opt.benchmark_args, "--benchmark_min_time")) {
    opt.benchmark_args.push_back(opt.quick ? "--benchmark_min_time=0.01" : "--benchmark_min_time=0.05");
  }

  std::vector<std::string> gb_args = {argv[0]};
  gb_args.insert(gb_args.end(), opt.benchmark_args.begin(), opt.benchmark_args.end());
  std::vector<char*> gb_argv;
  for (auto& a : gb_args) gb_argv.push_back(a.data());
  int gb_argc = static_cast<int>(gb_argv.size());
  benchmark::Initialize(&gb_argc, gb_argv.data());
  if (benchmark::ReportUnrecognizedArguments(gb_argc, gb_argv.data())) return 2;

  const std::vector<std::string> selected = matching(names, benchmark::GetBenchmarkFilter());
  if (selected.empty()) {
    std::cerr << "bench_all: the filter '" << benchmark::GetBenchmarkFilter()
              << "' matches no benchmark. Names are FAMILY/CASE/ELEMENTS; these exist:\n";
    print_catalogue(std::cerr, ladder, llc_bytes, opt.quick);
    return 2;
  }
  progress.set_total(selected.size());

  const std::filesystem::path out =
      opt.out.empty() ? default_result_path("results", host_name(), utc_stamp(started)) : std::filesystem::path(opt.out);
  try {
    check_can_create(out);
  } catch (const std::exception& e) {
    std::cerr << "bench_all: " << e.what() << "\n";
    return 2;
  }

  // Counters open (and calibrate) only once every input has been checked.
  nlohmann::json calibration = nlohmann::json::array();
  CountersStatus counters;
  if (opt.simulation_child) {
    set_counter_backend(make_callgrind_backend());
    simulate_calibration(caches);
  } else {
    counters = open_counters(opt, caches, calibration);
  }

  TeeReporter reporter(isatty(STDOUT_FILENO) != 0);
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (ran == 0) {
    std::cerr << "bench_all: no benchmark ran\n";
    return 2;
  }

  nlohmann::json result;
  try {
    result = parse_benchmark_json(reporter.json());
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "bench_all: internal error: Google Benchmark's JSON did not parse: " << e.what() << "\n";
    return 1;
  }
  std::vector<std::string> sim_skipped;
  nlohmann::json simulation;
  if (opt.simulate) {
    SimulationRequest request;
    request.exe = std::filesystem::read_symlink("/proc/self/exe");
    request.caches = caches;
    if (opt.quick) request.child_args.push_back("--quick");
    request.child_args.push_back("--max-memory=" + std::to_string(memory_budget));
    if (!opt.sizes.empty()) {
      std::string list;
      for (std::size_t n : opt.sizes) list += (list.empty() ? "" : ",") + std::to_string(n);
      request.child_args.push_back("--sizes=" + list);
    }
    std::vector<std::string> unmodelled, too_large;
    for (const auto& name : selected) {
      const Case* c = find_case(name);
      if (c != nullptr && !c->simulate) {
        unmodelled.push_back(name);
      } else {
        (elements_of(name) <= opt.simulate_max_elements ? request.names : too_large).push_back(name);
      }
    }
    sim_skipped = unmodelled;
    sim_skipped.insert(sim_skipped.end(), too_large.begin(), too_large.end());
    if (!unmodelled.empty()) {
      std::cerr << "bench_all: not simulating " << unmodelled.size() << " benchmark(s) whose effect a "
                << "one-core cache simulation cannot show, e.g. " << unmodelled.front() << "\n";
    }
    if (!too_large.empty()) {
      std::cerr << "bench_all: not simulating " << too_large.size() << " benchmark(s) above "
                << opt.simulate_max_elements << " elements (--simulate-max-elements), e.g. "
                << too_large.front() << "\n";
    }
    if (request.names.empty()) {
      std::cerr << "bench_all: --simulate: no selected size is small enough to simulate\n";
      return 2;
    }
    const SimulationOutcome sim = run_simulation(request);
    if (!sim.error.empty()) {
      std::cerr << "bench_all: --simulate: " << sim.error << "\n";
      return 1;
    }
    merge_simulation(result, sim, caches, calibration);
    simulation = {{"tool", sim.valgrind_version +
                               " callgrind --cache-sim=yes (LRU, write-allocate, no prefetcher)"},
                  {"geometry", geometry_json(sim.geometry)},
                  {"max_elements", opt.simulate_max_elements},
                  {"not_simulated", sim_skipped}};
    if (counters.backend == "none") counters.backend = "simulated";
    counters.status = counters.backend == "simulated" ? "simulated" : counters.status;
    for (const char* e : {"sim_d1_misses=callgrind D1mr+D1mw", "sim_ll_misses=callgrind DLmr+DLmw",
                          "sim_l2_misses=callgrind DLmr+DLmw with L2 geometry as LL"}) {
      counters.events.push_back(e);
    }
  }

  result["context"]["locality"] = locality_context(utc_iso(started), caches, counters);
  if (opt.simulate) result["context"]["locality"]["counters"]["simulation"] = simulation;
  result["context"]["locality"]["calibration"] = calibration;
  if (auto levels = latency_levels(result["benchmarks"], caches); !levels.is_null()) {
    result["context"]["locality"]["latency_levels"] = levels;
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
  for (auto& w : impossible_counts(result["benchmarks"], caches)) warnings.push_back(std::move(w));
  for (const auto& w : warnings) std::cerr << "bench_all: warning: " << w << "\n";
  result["context"]["locality"]["warnings"] = warnings;
  result["context"]["locality"]["run"] = {{"quick", opt.quick},
                                          {"ladder", ladder},
                                          {"skipped", skipped},
                                          {"memory_budget_bytes", memory_budget}};
  try {
    write_new_file(out, result.dump(2) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "bench_all: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "bench_all: wrote " << out.string() << " (" << ran << " benchmarks)\n";
  // Last line on stdout, for scripts (runners/bench.sh renders it).
  std::cout << "result file: " << out.string() << std::endl;
  if (!reporter.errors().empty()) {
    std::cerr << "bench_all: " << reporter.errors().size() << " benchmark(s) failed:\n";
    for (const auto& e : reporter.errors()) std::cerr << "  " << e << "\n";
    return 3;
  }
  return 0;
}

}  // namespace
}  // namespace locality

int main(int argc, char** argv) { return locality::run(argc, argv); }
