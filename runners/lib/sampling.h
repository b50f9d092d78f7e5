// The statistics of a point (one benchmark's repetitions) and the merging of
// Google Benchmark's output into a result file's benchmarks.
//
// A point's value is the statistic its case declares: the median of the
// repetitions' times per unit, or their minimum where the least disturbed
// repetition is the honest estimate of the hardware. Its 95% confidence
// interval comes from a percentile bootstrap (resampling the repetitions
// with replacement), seeded by the benchmark's name, so the same data gives
// the same interval. bench_all reruns the points whose interval is wider
// than the precision asked for, within a time budget; the report computes
// its own intervals from the repetitions in the file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/family.h"

namespace locality {

struct PointStats {
  std::size_t n = 0;
  double value = 0;  // the statistic
  double ci_low = 0;
  double ci_high = 0;
  double median = 0;
  double min = 0;
  double max = 0;
  // Half the interval's width relative to the value (0.05: +-5%); infinite
  // for fewer than two repetitions.
  double relative_half_width() const;
};

PointStats point_stats(std::vector<double> values, Statistic statistic, const std::string& seed_name,
                       int resamples = 1000);

// Every repetition's time per unit (ns), by benchmark name, from iteration
// entries that succeeded.
std::map<std::string, std::vector<double>> times_per_unit(const nlohmann::json& benchmarks);

// The benchmarks of a result file from one or more passes of Google
// Benchmark's JSON: every successful or failed iteration entry with its
// name cleaned (no "/real_time" and such), repetitions numbered 0..n-1 across
// passes per benchmark, then per benchmark the aggregates Google Benchmark
// writes (mean, median, stddev, cv), computed over all its repetitions.
nlohmann::json merge_passes(const std::vector<nlohmann::json>& passes);

// The errors of the runs that were skipped rather than run: left out of
// the result file, which says why the run is incomplete.
inline constexpr const char* kNotRunInterrupted = "not run: the run was interrupted";
inline constexpr const char* kNotRunOutOfTime = "not run: the time budget was spent";

// The merged passes without the benchmarks that were skipped rather than
// run; the names of those skipped for time, in order and once each, go to
// `out_of_time`. A benchmark that ran in an earlier pass and met the
// deadline in a later one keeps what it measured and is not said to have
// missed the run.
nlohmann::json kept_benchmarks(const std::vector<nlohmann::json>& passes, std::vector<std::string>& out_of_time);

}  // namespace locality
