// bench_all: runs the locality catalogue with Google Benchmark and writes one
// result file: Google Benchmark's JSON plus context.locality (see DESIGN.md).
#include <benchmark/benchmark.h>
#include <unistd.h>

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
#include "runners/context.h"
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
  --max-memory SIZE   skip sizes whose structure would need more than SIZE
                      bytes (e.g. 512M, 4G; default: 80% of MemAvailable)
  -h, --help          this text

Google Benchmark's own flags work as usual, for example
--benchmark_filter=REGEX, --benchmark_repetitions=N (default 5, quick 1),
--benchmark_min_time=SECONDS (default 0.05, quick 0.01). Use --out instead of
--benchmark_out.
)";

struct Options {
  bool list = false;
  bool quick = false;
  std::string out;
  std::optional<std::size_t> max_memory;
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

void print_catalogue(std::ostream& out, const std::vector<std::size_t>& ladder) {
  for (const Family& f : families()) {
    out << f.name << "\n  shows:    " << f.demonstrates << "\n  expected: " << f.expected << "\n";
    for (const Case& c : f.cases) out << "    " << f.name << "/" << c.name << "  " << c.summary << "\n";
  }
  out << "sizes (elements):";
  for (std::size_t n : ladder) out << " " << n;
  out << "\n";
}

// Turns FAMILY or FAMILY/CASE selectors into a Google Benchmark filter.
std::string selectors_to_filter(const std::vector<std::string>& selectors,
                                const std::vector<std::size_t>& ladder) {
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
      print_catalogue(std::cerr, ladder);
      std::exit(2);
    }
    filter += (filter.empty() ? "^(" : "|") + sel;
  }
  return filter + ")/";
}

// How many of `names` Google Benchmark's filter selects (same rules: a
// leading '-' negates, "all" and "." match everything).
std::size_t count_matching(const std::vector<std::string>& names, std::string filter) {
  if (filter.empty() || filter == "all" || filter == ".") return names.size();
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
  std::size_t n = 0;
  for (const auto& name : names) n += std::regex_search(name, re) != negate;
  return n;
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

// Google Benchmark writes NaN and Infinity bare (for example the coefficient
// of variation of a counter whose mean is 0), which is not JSON. Such values
// are undefined, so their keys are dropped: absent, never a made-up number.
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
  const std::vector<std::size_t> ladder = size_ladder(llc_bytes, opt.quick);
  if (opt.list) {
    print_catalogue(std::cout, ladder);
    return 0;
  }

  std::size_t memory_budget = opt.max_memory.value_or(0);
  if (!opt.max_memory) {
    memory_budget = static_cast<std::size_t>(0.8 * static_cast<double>(mem_available_bytes().value_or(std::size_t{4} << 30)));
  }

  Progress progress;
  RegisterOptions reg;
  reg.ladder = ladder;
  reg.on_start = [&progress](const std::string& name) { progress.start(name); };
  reg.skip_reason = [memory_budget](const Case& c, std::size_t n) -> std::string {
    const auto need = static_cast<std::size_t>(c.peak_bytes_per_element * static_cast<double>(n));
    if (need <= memory_budget) return "";
    return "needs about " + mib(need) + ", more than the " + mib(memory_budget) + " allowed";
  };
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
    opt.benchmark_args.push_back("--benchmark_filter=" + selectors_to_filter(opt.selectors, ladder));
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

  const std::size_t selected = count_matching(names, benchmark::GetBenchmarkFilter());
  if (selected == 0) {
    std::cerr << "bench_all: the filter '" << benchmark::GetBenchmarkFilter()
              << "' matches no benchmark. Names are FAMILY/CASE/ELEMENTS; these exist:\n";
    print_catalogue(std::cerr, ladder);
    return 2;
  }
  progress.set_total(selected);

  const std::filesystem::path out =
      opt.out.empty() ? default_result_path("results", host_name(), utc_stamp(started)) : std::filesystem::path(opt.out);
  try {
    check_can_create(out);
  } catch (const std::exception& e) {
    std::cerr << "bench_all: " << e.what() << "\n";
    return 2;
  }

  CountersStatus counters;
  counters.backend = counter_backend().name();
  counters.status = "unavailable";
  counters.reason = "hardware counters are not read by this build (counters backend: none)";
  std::cerr << "bench_all: counters: " << counters.reason << "\n";

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
  result["context"]["locality"] = locality_context(utc_iso(started), caches, counters);
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
