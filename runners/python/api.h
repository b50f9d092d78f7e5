// The runner as a library, for the Python module: the catalogue, the
// machine context, one case run at chosen sizes through Google Benchmark's
// own runner, and result files written as bench_all writes them. JSON text
// in and out, in the results contract. Calls are serialised: Google
// Benchmark's registry is global, so two Python threads calling at once run
// one after the other.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace locality::api {

// {"families": {name: descriptor} (as context.locality.families),
//  "order": [family names in teaching order],
//  "sizes": {"family/case": [...]}, "quick_sizes": {...}} for this machine.
std::string catalogue_json();

// context.locality as a result file has it. `counters`: "auto" (hardware if
// any), "none", or a comma-separated list of logical counters that must be
// readable (throws std::runtime_error with the reason otherwise). Installs
// the chosen backend for later runs.
std::string machine_json(const std::string& counters);

// Runs `family/case` at one size (Google Benchmark JSON: context and
// benchmarks, NaN-free, with bench_all's names and aggregates). Throws
// std::invalid_argument for an unknown case or a size out of range.
std::string run_json(const std::string& family_case, std::size_t size, int repetitions, double min_time);

// Writes a result file (`path`, or the default name under results/ when
// empty) and returns the path written; throws std::runtime_error when it
// cannot be written.
std::string write_result(const std::string& content, const std::string& path);

std::string version();

}  // namespace locality::api
