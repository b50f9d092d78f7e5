// The parent side of --simulate: bench_all runs itself under callgrind,
// twice, and reads the dumps (simulate.h describes both sides).
#include "runners/lib/simulate.h"

#include "runners/lib/context.h"

#include <fstream>
#include <regex>
#include <sstream>
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

namespace {

// The geometry to simulate, from the machine's caches, made valid where it
// is not; false (with out.error) when there is no L1d or last level.
bool choose_geometry(const SimulationRequest& request, SimulationOutcome& out) {
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
    return false;
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
  return true;
}

// valgrind decodes only what CPUID reports: where RDTSCP is hidden, the
// shim completes it (runners/lib/valgrind_shim.cc). Returns the library to
// preload ("" for none), or nullopt with out.error when it is missing.
std::optional<std::string> shim_to_preload(const SimulationRequest& request, SimulationOutcome& out) {
  if (cpu_reports_rdtscp()) return std::string();
  const std::filesystem::path shim = request.exe.parent_path() / "liblocality_valgrind_shim.so";
  if (!std::filesystem::exists(shim)) {
    out.error = "this CPU does not report RDTSCP, which valgrind then cannot decode, and " + shim.string() +
                " (built with bench_all) is missing";
    return std::nullopt;
  }
  out.shim = "liblocality_valgrind_shim.so preloaded: the CPU does not report RDTSCP in CPUID, so valgrind "
             "cannot decode the RDTSCP that Highway's library runs; the shim completes it from RDTSC";
  return shim.string();
}

// One run of the benchmarks under callgrind with `as_ll` in the LL slot;
// its counts by label into `counts`, iteration counts into `out`.
bool simulate_pass(const SimulationRequest& request, SimulationOutcome& out, const std::filesystem::path& dir,
                   const std::string& preload, std::size_t p, const CacheLevel& as_ll,
                   std::map<std::string, SimCounts>& counts) {
  const std::string prefix = "cg" + std::to_string(p);
  const std::filesystem::path child_json = dir / ("child" + std::to_string(p) + ".json");
  // hwloc's x86 backend disables itself under valgrind with a note on
  // stderr; left out from the start, the topology comes from the others.
  std::vector<std::string> argv = {"env", "HWLOC_COMPONENTS=-x86"};
  if (!preload.empty()) argv.push_back("LD_PRELOAD=" + preload);
  argv.insert(argv.end(), {"valgrind", "--tool=callgrind", "-q", "--cache-sim=yes", "--collect-atstart=no",
                           "--dump-instr=no", "--compress-strings=no", "--compress-pos=no",
                           valgrind_cache_option("I1", out.geometry.at("I1")),
                           valgrind_cache_option("D1", out.geometry.at("D1")), valgrind_cache_option("LL", as_ll),
                           "--callgrind-out-file=" + (dir / prefix).string(), request.exe.string(),
                           "--simulation-child", "--out", child_json.string(),
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
    return false;
  }
  counts = read_callgrind_dumps(dir, prefix);
  out.error = check_simulated_geometry(dir, prefix, out.geometry.at("D1"), as_ll);
  if (!out.error.empty()) return false;
  std::ifstream in(child_json);
  try {
    const auto child = nlohmann::json::parse(in);
    for (const auto& b : child.at("benchmarks")) {
      if (b.value("run_type", "iteration") == "iteration") {
        out.iterations[without_run_options(b.at("run_name").get<std::string>())] = b.at("iterations").get<double>();
      }
    }
  } catch (const std::exception& e) {
    out.error = std::string("cannot read the simulation run's result: ") + e.what();
    return false;
  }
  return true;
}

}  // namespace

bool valgrind_installed() {
  return LOCALITY_HAVE_VALGRIND && !command_output("valgrind --version 2>/dev/null").empty();
}

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
  if (!choose_geometry(request, out)) return out;
  const auto preload = shim_to_preload(request, out);
  if (!preload) return out;
  char dir_template[] = "/tmp/locality-sim-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    out.error = "cannot create a temporary folder for callgrind's output";
    return out;
  }
  const std::filesystem::path dir = dir_template;
  // Twice: the last level in the LL slot, then L2 there (which gives L2 misses).
  std::vector<std::pair<std::string, std::map<std::string, SimCounts>*>> passes = {{"LL", &out.ll_pass}};
  if (out.geometry.count("L2")) passes.push_back({"L2", &out.l2_pass});
  for (std::size_t p = 0; p < passes.size(); ++p) {
    const CacheLevel& as_ll = out.geometry.at(passes[p].first);
    std::cerr << "bench_all: simulating " << request.names.size() << " benchmarks under callgrind, pass " << p + 1
              << "/" << passes.size() << " (" << (passes[p].first == "LL" ? "last-level" : "L2") << " geometry "
              << valgrind_cache_option("LL", as_ll).substr(5) << " as LL)\n";
    if (!simulate_pass(request, out, dir, *preload, p, as_ll, *passes[p].second)) break;
  }
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace locality
