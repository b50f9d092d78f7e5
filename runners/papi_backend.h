// Hardware counters through PAPI. Only papi_backend.cc includes <papi.h>.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/counters.h"
#include "runners/events.h"

namespace locality {

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

struct PapiProbe {
  CountersStatus status;              // backend "papi" when anything can be counted
  std::vector<EventChoice> choices;   // per wanted logical counter
  std::unique_ptr<CounterBackend> backend;  // null when unavailable
};

// Starts PAPI and chooses an event for each wanted logical counter (names
// from logical_counters(), or "name=EVENT"). Never throws: failure is an
// "unavailable" status with the reason.
PapiProbe probe_papi(const std::vector<std::string>& wanted);

}  // namespace locality
