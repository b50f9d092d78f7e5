#include "runners/lib/papi_backend.h"

#include <papi.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace locality {
namespace {

std::string papi_error(int rc) { return PAPI_strerror(rc) ? PAPI_strerror(rc) : "unknown error"; }

std::string version_string() {
  const int v = PAPI_VERSION;
  return std::to_string(PAPI_VERSION_MAJOR(v)) + "." + std::to_string(PAPI_VERSION_MINOR(v)) + "." +
         std::to_string(PAPI_VERSION_REVISION(v)) + "." + std::to_string(PAPI_VERSION_INCREMENT(v));
}

// PAPI library start-up, once per process; returns PAPI_OK or the error.
int init_papi() {
  static int rc = [] {
    int v = PAPI_library_init(PAPI_VER_CURRENT);
    if (v != PAPI_VER_CURRENT) return v < 0 ? v : PAPI_EINVAL;
    std::atexit(PAPI_shutdown);
    return PAPI_thread_init(reinterpret_cast<unsigned long (*)()>(pthread_self));
  }();
  return rc;
}

// Builds an event set with `events`, multiplexed if `multiplex`. Returns the
// PAPI error of the first event that could not be added, or PAPI_OK.
int make_event_set(const std::vector<std::string>& events, bool multiplex, int* set,
                   std::string* failed) {
  *set = PAPI_NULL;
  int rc = PAPI_create_eventset(set);
  if (rc != PAPI_OK) return rc;
  if (multiplex) {
    if ((rc = PAPI_assign_eventset_component(*set, 0)) != PAPI_OK) return rc;
    if ((rc = PAPI_set_multiplex(*set)) != PAPI_OK) return rc;
  }
  for (const auto& e : events) {
    rc = PAPI_add_named_event(*set, e.c_str());
    if (rc != PAPI_OK) {
      if (failed) *failed = e;
      return rc;
    }
  }
  return PAPI_OK;
}

void destroy_event_set(int* set) {
  if (*set == PAPI_NULL) return;
  PAPI_cleanup_eventset(*set);
  PAPI_destroy_eventset(set);
}

class PapiBackend final : public CounterBackend {
 public:
  PapiBackend(std::vector<std::string> logical, std::vector<std::string> events, bool multiplexed)
      : logical_(std::move(logical)), events_(std::move(events)), multiplexed_(multiplexed),
        totals_(events_.size(), 0) {}

  std::string name() const override { return "papi"; }

  // Event sets belong to the thread that starts them; a case whose loop runs
  // on its own thread (stack_array's big arrays) gets its own set there.
  void start() override {
    ThreadSet& ts = thread_set();
    if (ts.owner != this) {
      destroy_event_set(&ts.set);
      if (make_event_set(events_, multiplexed_, &ts.set, nullptr) != PAPI_OK) {
        destroy_event_set(&ts.set);
        ts.owner = nullptr;
        valid_ = false;
        return;
      }
      ts.owner = this;
    }
    valid_ = PAPI_start(ts.set) == PAPI_OK;
  }

  void stop() override {
    ThreadSet& ts = thread_set();
    std::vector<long long> values(events_.size(), 0);
    if (!valid_ || ts.owner != this || PAPI_stop(ts.set, values.data()) != PAPI_OK) {
      valid_ = false;
      return;
    }
    for (std::size_t i = 0; i < values.size(); ++i) totals_[i] = static_cast<double>(values[i]);
  }

  std::vector<Reading> read() override {
    std::vector<Reading> out;
    if (!valid_) return out;  // not measured: absent, never zero
    for (std::size_t i = 0; i < logical_.size(); ++i) out.push_back({logical_[i], totals_[i]});
    return out;
  }

 private:
  struct ThreadSet {
    int set = PAPI_NULL;
    const PapiBackend* owner = nullptr;
  };
  static ThreadSet& thread_set() {
    thread_local ThreadSet ts;
    return ts;
  }

  std::vector<std::string> logical_;
  std::vector<std::string> events_;
  bool multiplexed_;
  std::vector<double> totals_;
  bool valid_ = false;
};

int read_int(const char* path, int fallback) {
  std::ifstream in(path);
  int v = fallback;
  return (in >> v) ? v : fallback;
}

}  // namespace

PapiProbe probe_papi(const std::vector<std::string>& wanted) {
  PapiProbe probe;
  probe.status.backend = "none";
  probe.status.status = "unavailable";
  NoCounterFacts facts;
  facts.cpu_pmu_present = cpu_pmu_exposed();
  facts.perf_event_paranoid = read_int("/proc/sys/kernel/perf_event_paranoid", -1);
  facts.root = geteuid() == 0;

  const int rc = init_papi();
  if (rc != PAPI_OK) {
    facts.papi_error = papi_error(rc);
    probe.status.reason = explain_no_counters(facts);
    return probe;
  }
  facts.papi_version = version_string();
  for (int c = 0; c < PAPI_num_components(); ++c) {
    const PAPI_component_info_t* info = PAPI_get_component_info(c);
    if (info != nullptr && std::string(info->name) == "perf_event" && info->disabled) {
      facts.perf_component_disabled = true;
      facts.perf_disabled_reason = info->disabled_reason;
    }
  }

  probe.choices = choose_events(wanted, [&facts](const std::string& event) -> std::string {
    int set = PAPI_NULL;
    std::string failed;
    const int add = make_event_set({event}, false, &set, &failed);
    destroy_event_set(&set);
    if (add == PAPI_OK) return "";
    const std::string why = papi_error(add);
    if (facts.first_add_error.empty()) facts.first_add_error = event + ": " + why;
    return why;
  });

  std::vector<std::string> logical, events;
  for (const auto& c : probe.choices) {
    if (c.event.empty()) continue;
    logical.push_back(c.logical);
    events.push_back(c.event);
  }
  if (events.empty()) {
    probe.status.reason = explain_no_counters(facts);
    return probe;
  }

  // All together in one set if the registers allow, else multiplexed.
  int set = PAPI_NULL;
  std::string failed;
  bool multiplexed = false;
  int together = make_event_set(events, false, &set, &failed);
  destroy_event_set(&set);
  if (together != PAPI_OK) {
    multiplexed = PAPI_multiplex_init() == PAPI_OK &&
                  make_event_set(events, true, &set, &failed) == PAPI_OK;
    destroy_event_set(&set);
    if (!multiplexed) {
      probe.status.reason = "PAPI " + facts.papi_version + ": the chosen events cannot be counted "
                            "together (" + failed + ": " + papi_error(together) +
                            ") and multiplexing failed; pick fewer with --counters";
      return probe;
    }
  }
  probe.status.backend = "papi";
  probe.status.status = multiplexed ? "active (multiplexed)" : "active";
  probe.status.multiplexed = multiplexed;
  for (std::size_t i = 0; i < events.size(); ++i) probe.status.events.push_back(logical[i] + "=" + events[i]);
  for (const auto& c : probe.choices) {
    if (c.event.empty()) probe.status.reason += (probe.status.reason.empty() ? "" : "; ") + c.logical + ": no event available";
  }
  probe.backend = std::make_unique<PapiBackend>(logical, events, multiplexed);
  return probe;
}

}  // namespace locality
