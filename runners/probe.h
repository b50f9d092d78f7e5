// What the core clock runs at and how steady the machine is, measured, not
// read: the nominal frequency in /proc/cpuinfo is not the clock a loop sees
// (turbo, a VM's host), and a shared machine's noise changes from minute to
// minute.
//
// The probe times a chain of dependent integer adds, one cycle each on
// every current core (x86-64 and aarch64), so adds per nanosecond is the
// clock in GHz. Repeated in short samples, its spread is the machine's
// noise: on a quiet machine the samples agree within a percent or two.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace locality {

struct ClockProbe {
  std::vector<double> ghz;  // one per sample
  double median_ghz = 0;
  double min_ghz = 0;
  double max_ghz = 0;
  // (max - min) / median over the samples: how much the same short kernel
  // varied, the machine's noise while probing.
  double spread = 0;
  std::string method;
};

// `samples` samples of about `sample_seconds` each, on the calling thread.
ClockProbe probe_clock(int samples = 41, double sample_seconds = 0.002);

nlohmann::json to_json(const ClockProbe& p);

}  // namespace locality
