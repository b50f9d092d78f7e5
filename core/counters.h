// The counters interface: what every case sees of hardware or simulated
// event counting. A backend opens named events, starts, stops and reads
// them; a CounterScope placed just before a case's timed loop drives the
// backend and writes the per-element counters of the results contract into
// the benchmark state when the loop ends.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace locality {

// One counted quantity, under its logical name (for example "l1d_misses").
struct Reading {
  std::string name;
  double value;
};

class CounterBackend {
 public:
  virtual ~CounterBackend() = default;
  // "papi", "simulated" or "none", as written to context.locality.counters.
  virtual std::string name() const = 0;
  virtual void start() = 0;
  virtual void stop() = 0;
  // True when counting needs the caches warmed by one traversal run while
  // the backend already watches (the cache simulator only sees memory
  // traffic while it collects); begin_warm_up() is then called before that
  // traversal, and start() after it.
  virtual bool needs_warm_up() const { return false; }
  virtual void begin_warm_up() {}
  // Totals accumulated between start() and stop(). Quantities that were not
  // measured are absent, never zero.
  virtual std::vector<Reading> read() = 0;
};

// What context.locality.counters says about the counters of a run.
struct CountersStatus {
  std::string backend = "none";  // "papi" | "simulated" | "none"
  std::vector<std::string> events;  // "logical=EVENT" for each counted quantity
  std::string status;  // "active", "active (multiplexed)", "unavailable", "simulated"
  std::string reason;  // plain words: why hardware counters are missing
  bool multiplexed = false;
};

// The backend every CounterScope uses. Starts as the "none" backend.
CounterBackend& counter_backend();
void set_counter_backend(std::unique_ptr<CounterBackend> backend);
std::unique_ptr<CounterBackend> make_none_backend();

// What a case's timed loop processes per iteration.
struct Workload {
  std::size_t elements;
  std::size_t working_set_bytes;
};

// Place directly before `for (auto _ : state)`. On destruction writes
// `elements`, `working_set_bytes`, `allocs_per_iter` (allocations on this
// thread), bytes processed, and
// `<reading>_per_elem` for every reading the backend produced. `warm_up`,
// if given, runs the kernel once untimed when the backend needs it.
class CounterScope {
 public:
  CounterScope(benchmark::State& state, Workload workload,
               const std::function<void()>& warm_up = {});
  ~CounterScope();
  CounterScope(const CounterScope&) = delete;
  CounterScope& operator=(const CounterScope&) = delete;

 private:
  benchmark::State& state_;
  Workload workload_;
  std::uint64_t allocations_at_start_;
};

}  // namespace locality
