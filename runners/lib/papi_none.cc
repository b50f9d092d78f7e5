// The PAPI backend of a build without PAPI (libpapi-dev was not found when
// CMake configured it): every counter is unavailable, with that reason.
#include "runners/lib/papi_backend.h"

namespace locality {

PapiProbe probe_papi(const std::vector<std::string>& wanted) {
  PapiProbe probe;
  probe.status.backend = "none";
  probe.status.status = "unavailable";
  probe.status.reason =
      "no hardware counters: this build has no PAPI (libpapi-dev was not found when it was configured; install "
      "it and rebuild). Use --simulate for simulated cache misses.";
  for (const std::string& w : wanted) {
    probe.choices.push_back({w.substr(0, w.find('=')), "", {"built without PAPI"}});
  }
  return probe;
}

}  // namespace locality
