#include "runners/lib/simulate.h"

#include "runners/lib/context.h"


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
  std::ostringstream text;
  text << "L" << c.level << (c.type == "Data" ? "d" : c.type == "Instruction" ? "i" : "") << " " << problem
       << ": simulated as " << g.size_bytes << " B, " << g.ways << "-way, " << g.line_bytes << " B lines";
  note = text.str();
  return g;
}

}  // namespace locality
