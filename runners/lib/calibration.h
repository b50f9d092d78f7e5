// Calibration: before trusting counts, measure kernels whose answer is known.
//   scan:  sum an int array of 4x L2; one miss per 64-byte line, 1/16 per
//          int, in L1d and in L2.
//   chase: follow a random cyclic permutation (Sattolo) of 64-byte nodes
//          over 4x the last-level cache; every node is reused only after
//          all the others, so about one miss per node at every level.
// Plus sanity checks on a whole run: counts that cannot be true.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/machine.h"

namespace locality {

struct CalibrationKernel {
  std::string name;  // "scan" or "chase"
  std::size_t elements;
  std::size_t working_set_bytes;
};

std::vector<CalibrationKernel> calibration_kernels(const std::vector<CacheLevel>& caches);

// Builds the kernel's data, then runs it once between backend.start() and
// backend.stop().
void run_calibration_kernel(const CalibrationKernel& kernel, CounterBackend& backend);

// Expected misses per element for a kernel and counter ("l1d_misses",
// "l2_misses", "llc_misses"); NaN where the kernel says nothing about it.
double expected_misses(const CalibrationKernel& kernel, const std::string& counter,
                       const std::vector<CacheLevel>& caches);

// One calibration entry for context.locality.calibration: measured against
// expected, ok when within `tolerance` (relative).
nlohmann::json calibration_entry(const CalibrationKernel& kernel, const std::string& counter,
                                 double expected, double measured, double tolerance);

// Impossible counts in a result's benchmarks: zero misses on a scan far
// beyond the cache, more L2 (or LLC) than L1 misses. One line each.
std::vector<std::string> impossible_counts(const nlohmann::json& benchmarks,
                                           const std::vector<CacheLevel>& caches);

}  // namespace locality
