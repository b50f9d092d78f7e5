// The simulated counters backend: cache misses from valgrind's callgrind
// cache simulator, for machines without hardware counters.
//
// `bench_all --simulate` first runs the benchmarks natively (the times), then
// runs itself under callgrind twice (last-level geometry, then L2 geometry
// in the LL slot, which gives L2 misses), with collection switched on only
// around each timed loop through callgrind client requests. Each loop ends
// with a stats dump labelled with the benchmark's name; the parent parses
// the dumps and merges misses per element into the native entries.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/machine.h"

namespace locality {

// Child side: start() zeroes and switches collection on, stop() switches it
// off and dumps, labelled "locality:<current label>".
std::unique_ptr<CounterBackend> make_callgrind_backend();
void set_simulation_label(const std::string& label);
bool running_on_valgrind();

// Callgrind's data-cache event totals for one dump.
struct SimCounts {
  double instructions = 0;  // Ir
  double data_reads = 0;    // Dr
  double data_writes = 0;   // Dw
  double d1_misses = 0;     // D1mr + D1mw
  double ll_misses = 0;     // DLmr + DLmw
};

// Parses one callgrind output file: its label (the text after "locality:")
// and totals. nullopt when it is not a dump of ours or has no totals line.
std::optional<std::pair<std::string, SimCounts>> parse_callgrind_dump(const std::string& text);

// Every dump of ours under `dir` whose name starts with `prefix`, by label;
// for a label dumped more than once the last dump wins.
std::map<std::string, SimCounts> read_callgrind_dumps(const std::filesystem::path& dir,
                                                      const std::string& prefix);

// "--D1=32768,8,64": valgrind's size,associativity,line-size form.
std::string valgrind_cache_option(const std::string& flag, const CacheLevel& c);

// Checks a geometry valgrind can simulate: power-of-two line >= 16 and a
// power-of-two number of sets; returns the problem or an empty string.
std::string valgrind_geometry_problem(const CacheLevel& c);

// The geometry to simulate for `c`: `c` itself where valgrind can simulate
// it; otherwise the same line and nearly the same size with a valid
// associativity (16 ways where none is known; the ways adjusted so that
// the number of sets is a power of two). `note` says what changed and why,
// empty when nothing did.
CacheLevel simulation_geometry(const CacheLevel& c, std::string& note);

}  // namespace locality

namespace locality {

struct SimulationRequest {
  std::filesystem::path exe;            // this bench_all
  std::vector<std::string> names;       // benchmarks to simulate
  std::vector<CacheLevel> caches;       // geometry, from sysfs
  std::vector<std::string> child_args;  // passed on (--quick, --max-memory=...)
};

struct SimulationOutcome {
  std::string error;  // empty on success
  std::string valgrind_version;
  std::map<std::string, CacheLevel> geometry;           // "I1", "D1", "LL", "L2"
  std::vector<std::string> geometry_notes;              // what was changed to make it valid
  std::string shim;  // why a library was preloaded into the run (empty: none was)
  std::map<std::string, SimCounts> ll_pass, l2_pass;    // by label
  std::map<std::string, double> iterations;             // by benchmark name
};

// Runs the benchmarks of `request` (and the calibration kernels) under
// callgrind, once with the last level as LL and once with L2 as LL.
// Progress goes to stderr.
SimulationOutcome run_simulation(const SimulationRequest& request);

// Whether this build can simulate (valgrind's client requests compiled in)
// and valgrind is installed.
bool valgrind_installed();

}  // namespace locality
