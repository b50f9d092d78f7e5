// The runner as a library, for the Python module: the catalogue, the
// machine context, and one case run at chosen sizes through Google
// Benchmark's own runner. JSON text in and out, in the results contract.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace locality::api {

// {"families": [{name, demonstrates, expected, cases: [{name, summary,
// max_elements}], ladder?, quick_ladder?}] (teaching order; a family's own
// ladders where it has them), "ladder": [...], "quick_ladder": [...]}
std::string catalogue_json();

// context.locality as a result file has it. `counters`: "auto" (hardware if
// any), "none", or a comma-separated list of logical counters that must be
// readable (throws std::runtime_error with the reason otherwise). Installs
// the chosen backend for later runs.
std::string machine_json(const std::string& counters);

// Runs `family/case` at one size (Google Benchmark JSON: context and
// benchmarks, NaN-free). Throws std::invalid_argument for an unknown case
// or a size out of range.
std::string run_json(const std::string& family_case, std::size_t elements, int repetitions,
                     double min_time);

std::string version();

}  // namespace locality::api
