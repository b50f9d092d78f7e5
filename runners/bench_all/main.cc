// bench_all: runs the locality catalogue with Google Benchmark and writes one
// result file: Google Benchmark's JSON plus context.locality (the contract
// is report/locality/result.schema.json). The steps of a run, in order:
// options (options.h), the plan and its time budget (session.h, listing.h
// for what is printed instead of running), counters (counters.h), the
// passes and reruns (session.h, reporters.h), the simulation
// (simulation.h), and the result file assembled and written here.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/fixture.h"
#include "core/machine.h"
#include "runners/bench_all/counters.h"
#include "runners/bench_all/listing.h"
#include "runners/bench_all/options.h"
#include "runners/bench_all/reporters.h"
#include "runners/bench_all/session.h"
#include "runners/bench_all/simulation.h"
#include "runners/lib/calibration.h"
#include "runners/lib/context.h"
#include "runners/lib/events.h"
#include "runners/lib/probe.h"
#include "runners/lib/result_file.h"
#include "runners/lib/sampling.h"
#include "runners/lib/simulate.h"

namespace locality {
namespace {

using Clock = std::chrono::steady_clock;

// Everything about a run that goes into context.locality besides the
// descriptor and the machine.
struct Record {
  std::chrono::system_clock::time_point started;
  Clock::time_point run_start;
  std::filesystem::path out;
  bool default_name = true;
  nlohmann::json sampling;
  nlohmann::json calibration = nlohmann::json::array();
  CountersStatus counters;
  Fit fit;
  double calibration_s = 0;
  double first_pass_s = 0;
  std::optional<ClockProbe> clock_before, clock_after;
  Simulation simulation = Simulation::none;
};

// The options and the plan; exits where the command asks for a listing
// (after printing it) or its input is bad (one line, status 2).
void prepare(Session& s, Record& r, int argc, char** argv) {
  s.opt = parse_options(argc, argv);
  const Options& opt = s.opt;
  if (opt.list_counters) {
    print_counters(std::cout, probe_papi(counter_list_or_exit(opt)));
    std::exit(0);
  }
  if (opt.simulation_child && !running_on_valgrind()) usage_error("--simulation-child is internal to --simulate");
  if (opt.counters) counter_list_or_exit(opt);
  s.plan = plan_or_exit(opt);
  if (opt.list) {
    print_catalogue(std::cout, s.plan);
    std::exit(0);
  }
  if (opt.list_tests) {
    for (const auto& b : s.plan.benchmarks) std::cout << b.name << "\n";
    std::exit(0);
  }
  r.default_name = opt.out.empty();
  r.out = r.default_name ? default_result_path("results", host_name(), utc_stamp(r.started))
                         : std::filesystem::path(opt.out);
  if (!opt.dry_run) {
    try {
      check_can_create(r.out);
    } catch (const std::exception& e) {
      std::cerr << "bench_all: " << e.what() << "\n";
      std::exit(2);
    }
  }
  s.repetitions = opt.repetitions.value_or(opt.quick || opt.simulation_child ? 1 : 5);
  s.min_time = opt.min_time.value_or(opt.quick ? 0.01 : 0.03);
  s.pass_repetitions = split_repetitions(s.repetitions, opt.passes.value_or(opt.quick || opt.simulation_child ? 1 : 2));
}

// Pinning, the fixture cache, and the plan trimmed to the time budget;
// prints it and exits for --dry-run.
void plan_the_run(Session& s, Record& r, const char* argv0) {
  const Options& opt = s.opt;
  const bool interleave = opt.interleave.value_or(!opt.simulation_child);
  initialize_google_benchmark(argv0, s, interleave);
  for (const auto& n : opt.notes) std::cerr << "bench_all: " << n << "\n";
  for (const auto& n : this_machine().cache_notes) {
    std::cerr << "bench_all: cache figure not used as reported: " << cache_note_text(n) << "\n";
  }
  r.sampling = {{"repetitions", s.repetitions}, {"passes", s.pass_repetitions.size()}, {"min_time_s", s.min_time}, {"interleaved", interleave},
                {"precision", opt.precision},
                {"statistics", "per case: median, or minimum (latency, bandwidth); 95% percentile bootstrap interval"}};
  if (!opt.simulation_child) pin_cpu(opt, r.sampling);
  // Fixtures kept between interleaved repetitions, in at most a quarter of
  // the memory budget (and 4 GiB): the rest is for the structure running.
  Fixtures::set_capacity(std::min<std::size_t>(s.plan.memory_budget / 4, std::size_t{4} << 30));
  r.sampling["fixture_cache_bytes"] = Fixtures::capacity();
  if (opt.simulation_child) return;
  catch_signals();  // a Ctrl-C while the cases are timed ends the run there
  // The simulation's time is kept where it will run: always for
  // --simulate, for the default subset where no CPU PMU is exposed (the
  // run decides once it has opened the counters).
  r.simulation = simulation_of(opt, s.plan.sizes_given);
  const bool expect_simulation =
      r.simulation == Simulation::all || (r.simulation == Simulation::by_default && !cpu_pmu_exposed());
  const double simulate_s =
      expect_simulation ? simulation_seconds(simulated_sizes(s.plan, r.simulation, opt.simulate_max_elements)) : 0;
  r.fit = plan_to_budget(s, r.calibration_s, simulate_s);
  if (g_signal != 0) {
    std::cerr << "bench_all: " << signal_name(g_signal) << " before the run started: nothing measured\n";
    std::exit(128 + g_signal);
  }
  if (opt.dry_run) {
    print_plan(std::cout, s.plan, r.fit.seconds);
    print_estimate(std::cout, s.plan, r.fit, opt);
    std::exit(0);
  }
  for (const auto& skip : s.plan.skipped) std::cerr << "bench_all: skipping " << skip.name << ": " << skip.reason << "\n";
  std::ostringstream line;
  print_estimate(line, s.plan, r.fit, opt);
  std::string text = line.str();
  for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos && at + 1 < text.size(); at += 12) {
    text.insert(at + 1, "bench_all: ");
  }
  std::cerr << "bench_all: " << s.plan.benchmarks.size() << " benchmarks; " << text;
  s.estimate = r.fit.seconds;
  if (!opt.full && !s.plan.sizes_given) {
    // The report's time is kept out of the run's.
    s.deadline = r.run_start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(opt.budget - r.fit.estimate.report_s - r.fit.estimate.simulate_s));
  }
}

nlohmann::json run_json(const Session& s, const Record& r) {
  const Options& opt = s.opt;
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& sk : s.plan.skipped) skipped.push_back({{"name", sk.name}, {"reason", sk.reason}});
  return {{"quick", opt.quick},
          {"ladder", s.plan.ladder},
          {"llc_bytes", s.plan.llc_bytes},
          {"llc_source", s.plan.llc_source},
          {"skipped", skipped},
          {"memory_budget_bytes", s.plan.memory_budget},
          {"memory_budget_source", s.plan.memory_budget_source},
          {"budget_s", opt.full || s.plan.sizes_given ? nlohmann::json() : nlohmann::json(opt.budget)},
          {"estimate_s", opt.simulation_child ? nlohmann::json() : nlohmann::json(r.fit.estimate.total())},
          {"calibration_s", r.calibration_s}};
}

nlohmann::json base_context(const Session& s, const Record& r) {
  return locality_context(utc_iso(r.started), this_machine(), r.counters, s.plan.llc_bytes, s.plan.quick);
}

// Counters, the journal and the clock probe, then the passes and reruns.
void measure(Session& s, Record& r) {
  const Options& opt = s.opt;
  if (opt.simulation_child) {
    set_counter_backend(make_callgrind_backend());
    simulate_calibration(this_machine().caches);
  } else {
    r.counters = open_counters(opt, this_machine().caches, r.calibration);
    nlohmann::json context = base_context(s, r);
    context["sampling"] = r.sampling;
    context["calibration"] = r.calibration;
    context["run"] = run_json(s, r);
    context["warnings"] = nlohmann::json::array();
    std::filesystem::path partial = r.out;
    partial.replace_extension(".partial.json");
    try {
      s.journal = std::make_unique<Journal>(partial, context);
    } catch (const std::exception& e) {
      std::cerr << "bench_all: " << e.what() << "; the run goes on without a journal (a kill loses it all)\n";
    }
    r.clock_before = probe_clock();
  }
  catch_signals();
  const auto pass_start = Clock::now();
  run_passes(s);
  r.first_pass_s = std::chrono::duration<double>(Clock::now() - pass_start).count();
  rerun_noisy_points(s, r.first_pass_s, r.run_start);
  if (s.display) s.display->finish();
  benchmark::Shutdown();
  if (!opt.simulation_child && !s.interrupted) r.clock_after = probe_clock();
}

std::vector<std::string> warnings_of(const Session& s, const Record& r, const nlohmann::json& benchmarks,
                                     const std::vector<std::string>& out_of_time) {
  std::vector<std::string> warnings;
  for (const auto& c : r.calibration) {
    if (!c.value("ok", false)) {
      std::ostringstream w;
      w << "calibration: " << c.value("kernel", "") << " " << c.value("counter", "") << " measured "
        << c["measured_per_elem"] << " per element, expected about " << c.value("expected_per_elem", 0.0);
      warnings.push_back(w.str());
    }
  }
  for (auto& w : impossible_counts(benchmarks, this_machine().caches)) warnings.push_back(std::move(w));
  for (const auto& n : this_machine().cache_notes) warnings.push_back("cache figure not used as reported: " + cache_note_text(n));
  if (r.clock_before) {
    if (std::string why = implausible_clock(r.clock_before->median_ghz); !why.empty()) warnings.push_back(std::move(why));
  }
  if (!out_of_time.empty()) {
    warnings.push_back(std::to_string(out_of_time.size()) + " benchmark(s) did not run: the time budget of " +
                       format_seconds(s.opt.budget) + " was spent (the estimate was " +
                       format_seconds(r.fit.estimate.total()) + "), e.g. " + out_of_time.front());
  }
  return warnings;
}

// The result file: every kept entry, the simulation, and context.locality.
nlohmann::json assemble(Session& s, Record& r) {
  nlohmann::json result;
  result["context"] = s.passes.empty() ? nlohmann::json::object() : s.passes.front().value("context", nlohmann::json::object());
  std::vector<std::string> out_of_time;
  nlohmann::json benchmarks = kept_benchmarks(s.passes, out_of_time);
  if (benchmarks.empty()) return nullptr;
  nlohmann::json simulation;
  // The default run's subset only where the hardware counted no misses.
  const Simulation mode = r.simulation == Simulation::by_default && hardware_counts_misses(r.counters)
                              ? Simulation::none
                              : r.simulation;
  if (mode != Simulation::none && !s.interrupted) {
    simulation = simulate(s.plan, mode, s.opt.simulate_max_elements, benchmarks, r.counters, r.calibration);
  }
  result["benchmarks"] = benchmarks;
  nlohmann::json& loc = result["context"]["locality"];
  loc = base_context(s, r);
  if (!simulation.is_null()) loc["counters"]["simulation"] = simulation;
  loc["calibration"] = r.calibration;
  r.sampling["reruns"] = s.reruns;
  r.sampling["first_pass_s"] = r.first_pass_s;
  loc["sampling"] = r.sampling;
  if (r.clock_before) {
    loc["clock"] = {{"before", to_json(*r.clock_before)}};
    if (r.clock_after) loc["clock"]["after"] = to_json(*r.clock_after);
  }
  const auto warnings = warnings_of(s, r, benchmarks, out_of_time);
  for (const auto& w : warnings) std::cerr << "bench_all: warning: " << w << "\n";
  loc["warnings"] = warnings;
  for (const auto& name : out_of_time) s.plan.skipped.push_back({name, kNotRunOutOfTime});
  loc["run"] = run_json(s, r);
  loc["run"]["seconds"] = std::chrono::duration<double>(std::chrono::system_clock::now() - r.started).count();
  if (s.interrupted) {
    loc["run"]["incomplete"] = std::string("interrupted by ") + signal_name(g_signal) + " before every benchmark had run";
  }
  return result;
}

// Writes the file (or a fallback that keeps the measurements) and returns
// the exit status: 0, 1 (not written where asked), 3 (a benchmark failed),
// or 128 + the signal that stopped the run.
int write_result(Session& s, const Record& r, const nlohmann::json& result) {
  const SavedResult saved = save_result(r.out, result.dump(2) + "\n", r.default_name);
  if (saved.written.empty()) {
    std::cerr << "bench_all: " << saved.failure << "; no fallback file could be written either"
              << (s.journal && std::filesystem::exists(s.journal->path())
                      ? ": what was measured is in " + s.journal->path().string()
                      : ": the measurements are lost")
              << "\n";
    if (s.journal) static_cast<void>(s.journal.release());  // keep its file
    return 1;
  }
  if (s.journal) s.journal->remove();
  if (!saved.failure.empty()) {
    std::cerr << "bench_all: " << saved.failure << "\nbench_all: the measurements are in " << saved.written.string()
              << " instead\n";
  } else {
    std::cerr << "bench_all: wrote " << saved.written.string() << "\n";
  }
  std::cerr << "result file: " << saved.written.string() << std::endl;
  if (!saved.failure.empty()) return 1;
  if (s.interrupted) return 128 + g_signal;
  std::vector<std::string> errors;
  for (const auto& b : result["benchmarks"]) {
    if (b.value("error_occurred", false)) errors.push_back(b.value("run_name", std::string()) + ": " + b.value("error_message", std::string()));
  }
  if (errors.empty()) return 0;
  std::cerr << "bench_all: " << errors.size() << " benchmark run(s) failed:\n";
  for (const auto& e : errors) std::cerr << "  " << e << "\n";
  return 3;
}

int run(int argc, char** argv) {
  Session s;
  Record r;
  r.started = std::chrono::system_clock::now();
  r.run_start = Clock::now();
  prepare(s, r, argc, argv);
  plan_the_run(s, r, argv[0]);
  measure(s, r);
  const nlohmann::json result = assemble(s, r);
  if (result.is_null()) {
    std::cerr << "bench_all: nothing was measured; no result file written\n";
    return s.interrupted ? 128 + g_signal : 1;
  }
  return write_result(s, r, result);
}

}  // namespace
}  // namespace locality

int main(int argc, char** argv) { return locality::run(argc, argv); }
