// Hardware counters through PAPI. Only papi_backend.cc includes <papi.h>.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/counters.h"
#include "runners/lib/events.h"

namespace locality {

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
