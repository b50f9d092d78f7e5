// What bench_all prints instead of running: the catalogue (--list), the
// plan with its estimate (--dry-run), and the counters (--list-counters).
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "runners/bench_all/options.h"
#include "runners/lib/budget.h"
#include "runners/lib/papi_backend.h"
#include "runners/lib/plan.h"

namespace locality {

// Every family and case, with what it shows and its sizes under `plan`.
void print_catalogue(std::ostream& out, const Plan& plan);
// The planned benchmarks with their estimated seconds, and the skips.
void print_plan(std::ostream& out, const Plan& plan, const std::map<std::string, double>& seconds);
// The estimate in one line, and what was cut for time in another.
void print_estimate(std::ostream& out, const Plan& plan, const Fit& fit, const Options& opt);
void print_counters(std::ostream& out, const PapiProbe& probe);

// The plan of these options, or one line and exit 2.
Plan plan_or_exit(const Options& opt);

}  // namespace locality
