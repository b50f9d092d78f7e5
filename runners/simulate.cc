#include "runners/simulate.h"

#include "runners/context.h"


#if LOCALITY_HAVE_VALGRIND
#include <valgrind/callgrind.h>
#else
// A build without valgrind's client-request header: the requests do
// nothing, the program never runs under valgrind, and run_simulation says
// why --simulate cannot work.
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(label) (void)(label)
#define RUNNING_ON_VALGRIND 0
#endif

#include <fstream>
#include <regex>
#include <sstream>

namespace locality {
namespace {

std::string& current_label() {
  static std::string label = "unnamed";
  return label;
}

class CallgrindBackend final : public CounterBackend {
 public:
  std::string name() const override { return "simulated"; }
  // Callgrind simulates the caches only while it collects: data a case
  // built before its loop is not in the simulated caches. So collection is
  // switched on for one untimed traversal, then the counts are zeroed and
  // the caches stay warm, as they are for the timed loop on real hardware.
  bool needs_warm_up() const override { return true; }
  void begin_warm_up() override {
    CALLGRIND_TOGGLE_COLLECT;
    collecting_ = true;
  }
  void start() override {
    if (!collecting_) CALLGRIND_TOGGLE_COLLECT;
    collecting_ = true;
    CALLGRIND_ZERO_STATS;
  }
  void stop() override {
    CALLGRIND_TOGGLE_COLLECT;
    collecting_ = false;
    const std::string label = "locality:" + current_label();
    CALLGRIND_DUMP_STATS_AT(label.c_str());
  }
  // The counts are read by the parent process from the dumps.
  std::vector<Reading> read() override { return {}; }

 private:
  bool collecting_ = false;
};

bool power_of_two(std::size_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

std::unique_ptr<CounterBackend> make_callgrind_backend() {
  return std::make_unique<CallgrindBackend>();
}

void set_simulation_label(const std::string& label) { current_label() = label; }

bool running_on_valgrind() { return RUNNING_ON_VALGRIND != 0; }

std::optional<std::pair<std::string, SimCounts>> parse_callgrind_dump(const std::string& text) {
  std::istringstream in(text);
  std::string line, label, events_line, totals_line;
  const std::string trigger = "desc: Trigger: Client Request: locality:";
  while (std::getline(in, line)) {
    if (line.rfind(trigger, 0) == 0) label = line.substr(trigger.size());
    else if (line.rfind("events:", 0) == 0) events_line = line.substr(7);
    else if (line.rfind("totals:", 0) == 0) totals_line = line.substr(7);
    else if (line.rfind("summary:", 0) == 0 && totals_line.empty()) totals_line = line.substr(8);
  }
  if (label.empty() || events_line.empty() || totals_line.empty()) return std::nullopt;
  std::istringstream names(events_line), values(totals_line);
  std::map<std::string, double> by_name;
  std::string name;
  double value = 0;
  while (names >> name) {
    if (!(values >> value)) value = 0;  // trailing zero counts may be omitted
    by_name[name] = value;
  }
  auto get = [&by_name](const char* key) {
    auto it = by_name.find(key);
    return it == by_name.end() ? 0.0 : it->second;
  };
  if (!by_name.count("D1mr")) return std::nullopt;  // cache simulation was off
  SimCounts c;
  c.instructions = get("Ir");
  c.data_reads = get("Dr");
  c.data_writes = get("Dw");
  c.d1_misses = get("D1mr") + get("D1mw");
  c.ll_misses = get("DLmr") + get("DLmw");
  return std::make_pair(label, c);
}

std::map<std::string, SimCounts> read_callgrind_dumps(const std::filesystem::path& dir,
                                                      const std::string& prefix) {
  // Dumps are numbered in order ("<prefix>.1", "<prefix>.2", ...).
  std::map<int, std::filesystem::path> numbered;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix + ".", 0) != 0) continue;
    try {
      numbered[std::stoi(name.substr(prefix.size() + 1))] = entry.path();
    } catch (...) {
    }
  }
  std::map<std::string, SimCounts> out;
  for (const auto& [number, path] : numbered) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (auto dump = parse_callgrind_dump(text.str())) out[dump->first] = dump->second;
  }
  return out;
}

std::string valgrind_cache_option(const std::string& flag, const CacheLevel& c) {
  return "--" + flag + "=" + std::to_string(c.size_bytes) + "," + std::to_string(c.ways) + "," +
         std::to_string(c.line_bytes);
}

std::string valgrind_geometry_problem(const CacheLevel& c) {
  if (c.line_bytes < 16 || !power_of_two(c.line_bytes)) {
    return "line size " + std::to_string(c.line_bytes) + " is not a power of two >= 16";
  }
  if (c.ways <= 0) return "associativity unknown";
  const std::size_t set_bytes = c.line_bytes * static_cast<std::size_t>(c.ways);
  if (c.size_bytes % set_bytes != 0 || !power_of_two(c.size_bytes / set_bytes)) {
    return "size " + std::to_string(c.size_bytes) + " / (" + std::to_string(c.ways) + " ways x " +
           std::to_string(c.line_bytes) + " B) is not a power-of-two number of sets";
  }
  return "";
}

CacheLevel simulation_geometry(const CacheLevel& c, std::string& note) {
  note.clear();
  const std::string problem = valgrind_geometry_problem(c);
  if (problem.empty()) return c;
  CacheLevel g = c;
  if (g.line_bytes < 16 || !power_of_two(g.line_bytes)) g.line_bytes = 64;
  const std::size_t ways = g.ways > 0 ? static_cast<std::size_t>(g.ways) : 16;
  std::size_t sets = 1;
  while (sets * 2 * ways * g.line_bytes <= g.size_bytes) sets *= 2;
  // The ways that keep the size closest to the one reported, at that
  // power-of-two number of sets.
  const double exact = static_cast<double>(g.size_bytes) / static_cast<double>(sets * g.line_bytes);
  g.ways = std::max(1, static_cast<int>(exact + 0.5));
  g.size_bytes = sets * static_cast<std::size_t>(g.ways) * g.line_bytes;
  note = "L" + std::to_string(c.level) + (c.type == "Data" ? "d" : c.type == "Instruction" ? "i" : "") + " " +
         problem + ": simulated as " + std::to_string(g.size_bytes) + " B, " + std::to_string(g.ways) + "-way, " +
         std::to_string(g.line_bytes) + " B lines";
  return g;
}

}  // namespace locality

// ---- the parent side -------------------------------------------------------

#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace locality {
namespace {

// Lines of the run under valgrind that are not for the user: valgrind's own
// cache auto-detection (it misreads L3 on some VMs; we pass the geometry
// explicitly, so it is not used), and what the parent already said.
bool drop_child_line(const std::string& line) {
  static const std::regex noise(
      R"(^--\d+-- warning: (L3 cache found|specified LL cache|simulated LL cache).*)"
      R"(|^bench_all: (skipping|counters|wrote) .*|^result file: .*)"
      // under valgrind, CPUID describes no caches: the child's own notes
      // on them are not the machine's (the parent passes the geometry)
      R"(|^bench_all: (warning: )?cache figure not used as reported: .*)"
      R"(|^\d{4}-\d\d-\d\dT.*|^Running .*|^Run on .*|^CPU Caches:.*|^  L\d .*)"
      R"(|^Load Average.*|^\*\*\*WARNING\*\*\* Library was built as DEBUG.*)");
  return std::regex_match(line, noise);
}

// Runs argv with stdout to /dev/null and stderr filtered through
// drop_child_line, indented; returns the exit status, or -1 if it could
// not start.
int run_command(const std::vector<std::string>& argv) {
  std::cout.flush();
  int err_pipe[2];
  if (pipe(err_pipe) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(err_pipe[0]);
    dup2(err_pipe[1], STDERR_FILENO);
    close(err_pipe[1]);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::perror(("cannot run " + argv[0]).c_str());
    _exit(127);
  }
  close(err_pipe[1]);
  if (FILE* err = fdopen(err_pipe[0], "r")) {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, err)) {
      std::string line(buf);
      if (!line.empty() && line.back() == '\n') line.pop_back();
      if (!drop_child_line(line)) std::cerr << "  sim " << line << "\n";
    }
    std::fclose(err);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Whether the CPU reports RDTSCP (CPUID 0x80000001, EDX bit 27); true
// where the question does not arise (not x86-64).
bool cpu_reports_rdtscp() {
#if defined(__x86_64__)
  unsigned eax = 0x80000000, ebx = 0, ecx = 0, edx = 0;
  asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
  if (eax < 0x80000001) return false;
  eax = 0x80000001;
  ecx = 0;
  asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
  return (edx >> 27) & 1;
#else
  return true;
#endif
}

std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Callgrind writes the geometry it simulated into every dump ("desc: D1
// cache: 32768 B, 64 B, 8-way associative"); this checks it is ours.
std::string check_simulated_geometry(const std::filesystem::path& dir, const std::string& prefix,
                                     const CacheLevel& d1, const CacheLevel& ll) {
  std::ifstream in(dir / (prefix + ".1"));
  std::string line;
  auto describe = [](const CacheLevel& c) {
    return std::to_string(c.size_bytes) + " B, " + std::to_string(c.line_bytes) + " B, " +
           std::to_string(c.ways) + "-way associative";
  };
  int checked = 0;
  while (std::getline(in, line)) {
    for (const auto& [slot, c] : {std::pair<std::string, CacheLevel>{"D1", d1}, {"LL", ll}}) {
      const std::string key = "desc: " + slot + " cache: ";
      if (line.rfind(key, 0) == 0) {
        if (line.substr(key.size()) != describe(c)) {
          return "callgrind simulated " + slot + " as '" + line.substr(key.size()) + "', not the '" +
                 describe(c) + "' asked for";
        }
        ++checked;
      }
    }
  }
  return checked == 2 ? "" : "callgrind wrote no dump with its cache geometry (no benchmark ran?)";
}

// A filter for exactly these names. The child runs fixed iteration counts,
// for which Google Benchmark appends "/iterations:N" to the name.
std::string alternation(const std::vector<std::string>& names) {
  std::string re = "^(";
  for (std::size_t i = 0; i < names.size(); ++i) re += (i ? "|" : "") + names[i];
  return re + ")(/iterations:[0-9]+)?$";
}


}  // namespace

SimulationOutcome run_simulation(const SimulationRequest& request) {
  SimulationOutcome out;
  if (!LOCALITY_HAVE_VALGRIND) {
    out.error = "this build has no valgrind client requests (valgrind/callgrind.h was not found when it was "
                "configured; install valgrind and rebuild)";
    return out;
  }
  out.valgrind_version = command_output("valgrind --version 2>/dev/null");
  if (out.valgrind_version.empty()) {
    out.error = "valgrind is not installed (Debian package valgrind): cannot simulate caches";
    return out;
  }
  const auto i1 = [&]() -> std::optional<CacheLevel> {
    for (const auto& c : request.caches) {
      if (c.level == 1 && c.type == "Instruction") return c;
    }
    return std::nullopt;
  }();
  const auto d1 = data_cache(request.caches, 1);
  const auto l2 = data_cache(request.caches, 2);
  const auto ll = last_level_cache(request.caches);
  if (!d1 || !ll) {
    out.error = "no L1d or last-level cache is known on this machine: no geometry to simulate";
    return out;
  }
  out.geometry["I1"] = i1.value_or(*d1);
  out.geometry["D1"] = *d1;
  out.geometry["LL"] = *ll;
  if (l2 && l2->level != ll->level) out.geometry["L2"] = *l2;
  for (auto& [slot, c] : out.geometry) {
    std::string note;
    c = simulation_geometry(c, note);
    if (!note.empty()) out.geometry_notes.push_back(note);
  }

  char dir_template[] = "/tmp/locality-sim-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    out.error = "cannot create a temporary folder for callgrind's output";
    return out;
  }
  const std::filesystem::path dir = dir_template;
  // valgrind decodes only what CPUID reports: where RDTSCP is hidden, the
  // shim completes it (runners/valgrind_shim.cc).
  std::string preload;
  if (!cpu_reports_rdtscp()) {
    const std::filesystem::path shim = request.exe.parent_path() / "liblocality_valgrind_shim.so";
    if (!std::filesystem::exists(shim)) {
      out.error = "this CPU does not report RDTSCP, which valgrind then cannot decode, and " + shim.string() +
                  " (built with bench_all) is missing";
      std::filesystem::remove_all(dir);
      return out;
    }
    preload = shim.string();
    out.shim = "liblocality_valgrind_shim.so preloaded: the CPU does not report RDTSCP in CPUID, so valgrind "
               "cannot decode the RDTSCP that Highway's library runs; the shim completes it from RDTSC";
  }

  struct Pass {
    std::string name;
    std::string ll_slot;
    std::map<std::string, SimCounts>* counts;
  };
  std::vector<Pass> passes = {{"last-level", "LL", &out.ll_pass}};
  if (out.geometry.count("L2")) passes.push_back({"L2", "L2", &out.l2_pass});
  for (std::size_t p = 0; p < passes.size(); ++p) {
    const Pass& pass = passes[p];
    const CacheLevel& as_ll = out.geometry.at(pass.ll_slot);
    std::cerr << "bench_all: simulating " << request.names.size() << " benchmarks under callgrind, pass "
              << p + 1 << "/" << passes.size() << " (" << pass.name << " geometry "
              << valgrind_cache_option("LL", as_ll).substr(5) << " as LL)\n";
    const std::string prefix = "cg" + std::to_string(p);
    const std::filesystem::path child_json = dir / ("child" + std::to_string(p) + ".json");
    std::vector<std::string> argv;
    if (!preload.empty()) argv = {"env", "LD_PRELOAD=" + preload};
    argv.insert(argv.end(), {
        "valgrind", "--tool=callgrind", "-q", "--cache-sim=yes", "--collect-atstart=no",
        "--dump-instr=no", "--compress-strings=no", "--compress-pos=no",
        valgrind_cache_option("I1", out.geometry.at("I1")),
        valgrind_cache_option("D1", out.geometry.at("D1")),
        valgrind_cache_option("LL", as_ll),
        "--callgrind-out-file=" + (dir / prefix).string(),
        request.exe.string(), "--simulation-child", "--out", child_json.string(),
        "--benchmark_filter=" + alternation(request.names), "--benchmark_repetitions=1"});
    argv.insert(argv.end(), request.child_args.begin(), request.child_args.end());
    const int rc = run_command(argv);
    if (rc != 0) {
      out.error = "the simulation run under valgrind failed (exit " + std::to_string(rc) + ")";
      if (rc >= 128 || rc == 1) {
        // valgrind 3.19 dies on instructions it cannot decode, such as AVX-512.
        out.error += "; if this build uses -march=native or AVX-512, rebuild without -march: "
                     "valgrind 3.19 cannot decode AVX-512 (the default build uses the x86-64 baseline)";
      }
      break;
    }
    *pass.counts = read_callgrind_dumps(dir, prefix);
    const std::string problem = check_simulated_geometry(dir, prefix, out.geometry.at("D1"), as_ll);
    if (!problem.empty()) {
      out.error = problem;
      break;
    }
    std::ifstream in(child_json);
    try {
      const auto child = nlohmann::json::parse(in);
      for (const auto& b : child.at("benchmarks")) {
        if (b.value("run_type", "iteration") == "iteration") {
          out.iterations[without_run_options(b.at("run_name").get<std::string>())] =
              b.at("iterations").get<double>();
        }
      }
    } catch (const std::exception& e) {
      out.error = std::string("cannot read the simulation run's result: ") + e.what();
      break;
    }
  }
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace locality
