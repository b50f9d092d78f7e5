// What the core clock runs at and how steady the machine is, measured, not
// read: the nominal frequency in /proc/cpuinfo is not the clock a loop sees
// (turbo, a VM's host), and a shared machine's noise changes from minute to
// minute.
//
// The probe times a chain of dependent register-register integer adds, one
// cycle each on every current core (x86-64 and aarch64), so adds per
// nanosecond is the clock in GHz. A figure outside what any core runs at is
// recorded with why (a core that runs the chain faster than one add per
// cycle), and no cycles are derived from it. Repeated in short samples, its spread is the machine's
// noise: on a quiet machine the samples agree within a percent or two.
//
// The add chain runs in the core alone, so it cannot see a host whose other
// tenants take memory bandwidth or cache: the probe also times the widest
// vector read of a small buffer in the L1 cache, the kind of kernel whose
// speed moved between two runs at one clock, and records its rate and
// spread beside the clock.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
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
  // The L1 read beside it: GB/s per sample of the same buffer.
  std::vector<double> read_gb_s;
  double read_median_gb_s = 0;
  double read_min_gb_s = 0;
  double read_max_gb_s = 0;
  double read_spread = 0;
  std::size_t read_bytes = 0;
  std::string read_method;
};

// `samples` samples of about `sample_seconds` each, on the calling thread.
ClockProbe probe_clock(int samples = 41, double sample_seconds = 0.002);

// Clocks no core runs at: below any power-saving floor, above the fastest
// turbo sold (about 6.2 GHz).
inline constexpr double kMinPlausibleGhz = 0.2;
inline constexpr double kMaxPlausibleGhz = 7.0;

// Why a probed clock cannot be a core's (empty: it can be).
std::string implausible_clock(double ghz);

nlohmann::json to_json(const ClockProbe& p);

}  // namespace locality
