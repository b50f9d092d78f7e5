#include "runners/lib/events.h"


#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace locality {

const std::vector<LogicalCounter>& logical_counters() {
  static const std::vector<LogicalCounter> all = {
      {"l1d_misses", "level-1 data cache misses (lines brought into L1d)",
       {"PAPI_L1_DCM", "perf::L1-DCACHE-LOAD-MISSES", "ANY_DATA_CACHE_FILLS_FROM_SYSTEM:ALL",
        "L1D:REPLACEMENT", "MEM_LOAD_RETIRED:L1_MISS"}},
      {"l2_misses", "level-2 cache misses",
       {"PAPI_L2_DCM", "PAPI_L2_TCM", "CORE_TO_L2_CACHEABLE_REQUEST_ACCESS_STATUS:LS_RD_BLK_C",
        "L2_RQSTS:MISS", "MEM_LOAD_RETIRED:L2_MISS"}},
      {"llc_misses", "last-level cache misses",
       {"PAPI_L3_TCM", "perf::LLC-LOAD-MISSES", "perf::CACHE-MISSES", "LONGEST_LAT_CACHE:MISS",
        "MEM_LOAD_RETIRED:L3_MISS"}},
      {"dtlb_misses", "data TLB misses",
       {"PAPI_TLB_DM", "perf::DTLB-LOAD-MISSES", "L1_DTLB_MISS:ALL",
        "DTLB_LOAD_MISSES:WALK_COMPLETED"}},
      {"cycles", "core clock cycles",
       {"PAPI_TOT_CYC", "perf::CPU-CYCLES", "CYCLES_NOT_IN_HALT", "UNHALTED_CORE_CYCLES"}},
      {"instructions", "instructions retired",
       {"PAPI_TOT_INS", "perf::INSTRUCTIONS", "RETIRED_INSTRUCTIONS", "INSTRUCTION_RETIRED"}},
  };
  return all;
}

std::vector<std::string> parse_counter_list(const std::string& list) {
  std::vector<std::string> out;
  if (list.empty() || list == "all") {
    for (const auto& c : logical_counters()) out.push_back(c.name);
    return out;
  }
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    const std::string name = item.substr(0, item.find('='));
    bool known = false;
    for (const auto& c : logical_counters()) known = known || c.name == name;
    if (!known) {
      std::string names;
      for (const auto& c : logical_counters()) names += (names.empty() ? "" : ", ") + c.name;
      throw std::invalid_argument("unknown counter '" + name + "' (known: " + names + ")");
    }
    out.push_back(item);
  }
  if (out.empty()) throw std::invalid_argument("empty counter list");
  return out;
}

std::vector<EventChoice> choose_events(
    const std::vector<std::string>& wanted,
    const std::function<std::string(const std::string& event)>& try_event) {
  std::vector<EventChoice> choices;
  for (const std::string& w : wanted) {
    const auto eq = w.find('=');
    EventChoice choice;
    choice.logical = w.substr(0, eq);
    std::vector<std::string> candidates;
    if (eq != std::string::npos) {
      candidates.push_back(w.substr(eq + 1));
    } else {
      for (const auto& c : logical_counters()) {
        if (c.name == choice.logical) candidates = c.candidates;
      }
    }
    for (const std::string& event : candidates) {
      const std::string why = try_event(event);
      if (why.empty()) {
        choice.event = event;
        break;
      }
      choice.tried.push_back(event + ": " + why);
    }
    choices.push_back(std::move(choice));
  }
  return choices;
}

bool cpu_pmu_exposed() {
  return std::filesystem::exists("/sys/bus/event_source/devices/cpu") ||
         std::filesystem::exists("/sys/bus/event_source/devices/cpu_core");
}

std::string explain_no_counters(const NoCounterFacts& f) {
  std::string line = "no hardware counters: ";
  if (!f.papi_error.empty()) {
    return line + "PAPI failed to start (" + f.papi_error + "); install libpapi and check "
                  "/proc/sys/kernel/perf_event_paranoid. Use --simulate for simulated cache misses.";
  }
  line += "PAPI " + f.papi_version + " ";
  if (f.perf_component_disabled) {
    line += "has its perf_event component disabled (\"" + f.perf_disabled_reason + "\")";
  } else {
    line += "cannot add any hardware event (" +
            (f.first_add_error.empty() ? std::string("none tried") : f.first_add_error) + ")";
  }
  if (!f.cpu_pmu_present) {
    line += "; the kernel exposes no CPU PMU (/sys/bus/event_source/devices/cpu is missing), as in "
            "most VMs and containers. Fix: run on bare metal or in a VM with a virtual PMU "
            "(KVM: -cpu host,pmu=on)";
  } else if (!f.root && f.perf_event_paranoid > 2) {
    line += "; perf_event_paranoid is " + std::to_string(f.perf_event_paranoid) +
            ". Fix: sudo sysctl kernel.perf_event_paranoid=2 (or run as root)";
  } else {
    line += ". Fix: check that perf stat -e cycles true counts on this machine";
  }
  return line + ". Use --simulate for simulated cache misses.";
}

}  // namespace locality
