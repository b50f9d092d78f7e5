// Which hardware event measures each logical counter of the results
// contract. Pure: availability is asked through a callback, so the fallback
// order is tested on every machine, with or without a PMU.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace locality {

struct LogicalCounter {
  std::string name;                     // e.g. "l1d_misses"
  std::string meaning;                  // one line for --list-counters
  std::vector<std::string> candidates;  // preset, then perf generic, then vendor names
};

// The contract's hardware counters, each with its candidate events in order
// of preference: the PAPI preset, the perf generic event through PAPI
// (perf::...), then AMD Zen and Intel native names.
const std::vector<LogicalCounter>& logical_counters();

struct EventChoice {
  std::string logical;
  std::string event;  // empty when no candidate can be counted
  std::vector<std::string> tried;  // "EVENT: why not" for each rejected candidate
};

// Returns, for every wanted logical counter, the first candidate that
// `try_event` accepts. `try_event` returns an empty string when the event can
// be counted, else the reason it cannot. A wanted entry "name=EVENT" forces
// that event for that counter.
std::vector<EventChoice> choose_events(
    const std::vector<std::string>& wanted,
    const std::function<std::string(const std::string& event)>& try_event);

// Splits "l1d_misses,cycles" into names; throws std::invalid_argument naming
// an unknown counter. "all" or an empty list means every logical counter.
std::vector<std::string> parse_counter_list(const std::string& list);

// Facts that explain why no hardware event can be counted.
struct NoCounterFacts {
  std::string papi_version;        // "7.0.0.0", empty if PAPI failed to start
  std::string papi_error;          // PAPI_library_init's error, if any
  bool perf_component_disabled = false;
  std::string perf_disabled_reason;
  std::string first_add_error;     // e.g. "PAPI_TOT_CYC: Event does not exist"
  bool cpu_pmu_present = false;    // /sys/bus/event_source/devices/cpu (or cpu_core)
  int perf_event_paranoid = -1;    // /proc/sys/kernel/perf_event_paranoid, -1 unknown
  bool root = false;
};

// One line: what PAPI said, the likely cause, and what would fix it.
std::string explain_no_counters(const NoCounterFacts& facts);

// Whether the kernel exposes a CPU PMU (/sys/bus/event_source/devices/cpu
// or cpu_core): where it does not, no hardware event can be counted.
bool cpu_pmu_exposed();

}  // namespace locality
