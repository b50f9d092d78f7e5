// The catalogue of experiments. Each family file describes itself once, in a
// Family value registered at static-initialisation time; the runner (or the
// Python module) turns the catalogue into Google Benchmark registrations.
// This is why the cases live in an OBJECT library: a static library would
// drop these registrations at link time.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace locality {

// Every kernel of every family has this signature: the benchmark state and
// the number of elements of the structure it traverses or builds.
using CaseFn = void (*)(benchmark::State&, std::size_t elements);

// The sizes a family (or case) runs at on a machine whose last-level cache
// has `llc_bytes`, in elements ascending; `quick` asks for a short ladder.
using LadderFn = std::vector<std::size_t> (*)(std::size_t llc_bytes, bool quick);

struct Case {
  std::string name;     // e.g. "list_sum"
  std::string summary;  // one line: what this case shows
  // Peak memory the case needs per element while it runs (data structure,
  // allocator overhead and helper arrays), used to skip sizes that would not
  // fit in memory instead of attempting them.
  double peak_bytes_per_element;
  CaseFn fn;
  // Largest size worth running (0: no limit), for cases whose build time
  // grows faster than the traversal they time; larger sizes are skipped
  // with a message.
  std::size_t max_elements = 0;
  std::string max_elements_why = {};
  // Its own sizes, where its elements differ in size from the rest of its
  // family's (element_size: the same working sets hold fewer large nodes);
  // null: the family's.
  LadderFn ladder = nullptr;
  // False where a cache simulation cannot model the effect (the simulator
  // knows one core and no coherence traffic): --simulate leaves it out.
  bool simulate = true;
};

// The smallest power of two that is at least `v` (1 for 0): ladders end at
// one.
inline std::size_t round_up_pow2(std::size_t v) {
  std::size_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

struct Family {
  std::string name;          // e.g. "scattered_nodes"
  std::string demonstrates;  // what the family shows
  std::string expected;      // the effect a plot should show
  std::vector<Case> cases;
  // Its own sizes, when the shared ladder of element counts does not fit
  // (latency runs over working-set bytes); null: the shared ladder.
  LadderFn ladder = nullptr;
};

// Adds a family to the catalogue; used once per family file through a
// namespace-scope constant. Returns true so it can initialise that constant.
bool add_family(Family family);

// The catalogue, sorted by family name in the order families were declared
// in kFamilyOrder (the teaching order), unknown ones last.
const std::vector<Family>& families();

// The case a benchmark name (<family>/<case>/<elements>) belongs to, or null.
const Case* find_case(const std::string& benchmark_name);

// Benchmark names follow the results contract: <family>/<case>/<elements>.
std::string benchmark_name(const Family& family, const Case& c,
                           std::size_t elements);

struct RegisterOptions {
  std::vector<std::size_t> ladder;  // element counts, ascending
  // When set, families with a ladder of their own run at its sizes for this
  // last-level cache size (bench_all); otherwise every family runs at
  // `ladder` (the Python API's explicit sizes).
  std::size_t family_ladders_llc_bytes = 0;
  bool quick = false;
  // Called at the start of every invocation of a case function; the runner
  // uses it for progress. May be empty.
  std::function<void(const std::string& name)> on_start;
  // Decides whether a size is registered; returns an empty string to keep
  // it, or the reason it is skipped (printed by the caller).
  std::function<std::string(const Case& c, std::size_t elements)> skip_reason;
  // When set, only the cases for which it returns true are registered.
  std::function<bool(const Family& family, const Case& c)> select;
  // When non-zero, the repetitions and minimum time of every benchmark
  // (instead of the --benchmark_* flags).
  int repetitions = 0;
  double min_time = 0;
  // When set, the fixed iteration count for a size (instead of Google
  // Benchmark's choice from --benchmark_min_time).
  std::function<std::size_t(std::size_t elements)> fixed_iterations;
  // Receives every skipped name with its reason.
  std::function<void(const std::string& name, const std::string& reason)>
      on_skip;
};

// Registers every case of every family at every ladder size with Google
// Benchmark. Returns the names registered, in order.
std::vector<std::string> register_benchmarks(const RegisterOptions& options);

}  // namespace locality
