#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "runners/lib/calibration.h"
#include "runners/lib/context.h"
#include "runners/lib/sampling.h"
#include "runners/lib/events.h"
#include "runners/lib/papi_backend.h"
#include "runners/lib/simulate.h"

namespace locality {
namespace {

TEST(EventChoice, PresetFirstThenPerfGenericThenVendor) {
  std::vector<std::string> asked;
  // A machine where presets are missing and only the perf generic events work.
  auto choices = choose_events({"l1d_misses", "cycles"}, [&](const std::string& e) {
    asked.push_back(e);
    return e.rfind("perf::", 0) == 0 ? "" : "Event does not exist";
  });
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].event, "perf::L1-DCACHE-LOAD-MISSES");
  ASSERT_EQ(choices[0].tried.size(), 1u);
  EXPECT_EQ(choices[0].tried[0], "PAPI_L1_DCM: Event does not exist");
  EXPECT_EQ(choices[1].event, "perf::CPU-CYCLES");
  EXPECT_EQ(asked.front(), "PAPI_L1_DCM");
}

TEST(EventChoice, VendorNameWhenNothingGenericWorks) {
  auto choices = choose_events({"l1d_misses"}, [](const std::string& e) {
    return e == "L1D:REPLACEMENT" ? "" : "no";
  });
  EXPECT_EQ(choices[0].event, "L1D:REPLACEMENT");
  EXPECT_EQ(choices[0].tried.size(), 3u);
}

TEST(EventChoice, NothingAvailableLeavesTheEventEmptyWithEveryReason) {
  auto choices = choose_events({"llc_misses"}, [](const std::string&) { return "Event does not exist"; });
  EXPECT_TRUE(choices[0].event.empty());
  EXPECT_EQ(choices[0].tried.size(), logical_counters()[2].candidates.size());
}

TEST(EventChoice, ForcedEventIsTheOnlyOneTried) {
  std::vector<std::string> asked;
  auto choices = choose_events({"cycles=MY_EVENT"}, [&](const std::string& e) {
    asked.push_back(e);
    return "";
  });
  EXPECT_EQ(choices[0].logical, "cycles");
  EXPECT_EQ(choices[0].event, "MY_EVENT");
  EXPECT_EQ(asked, std::vector<std::string>{"MY_EVENT"});
}

TEST(CounterList, ParsesNamesAndRejectsUnknownOnes) {
  EXPECT_EQ(parse_counter_list("all").size(), logical_counters().size());
  EXPECT_EQ(parse_counter_list("l1d_misses,cycles"), (std::vector<std::string>{"l1d_misses", "cycles"}));
  EXPECT_EQ(parse_counter_list("cycles=X").front(), "cycles=X");
  try {
    parse_counter_list("l1d_misses,l9_misses");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("l9_misses"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("llc_misses"), std::string::npos);  // lists known ones
  }
  EXPECT_THROW(parse_counter_list(","), std::invalid_argument);
}

TEST(NoCounters, VmWithoutPmuGetsOneLineWithCauseAndFix) {
  NoCounterFacts f;
  f.papi_version = "7.0.0.0";
  f.first_add_error = "PAPI_L1_DCM: Event does not exist";
  f.cpu_pmu_present = false;
  const std::string line = explain_no_counters(f);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("PAPI 7.0.0.0"), std::string::npos);
  EXPECT_NE(line.find("Event does not exist"), std::string::npos);
  EXPECT_NE(line.find("no CPU PMU"), std::string::npos);
  EXPECT_NE(line.find("bare metal"), std::string::npos);
  EXPECT_NE(line.find("--simulate"), std::string::npos);
}

TEST(NoCounters, DisabledComponentAndParanoidSettingAreNamed) {
  NoCounterFacts f;
  f.papi_version = "7.0.0.0";
  f.perf_component_disabled = true;
  f.perf_disabled_reason = "No default PMU found";
  f.cpu_pmu_present = true;
  f.perf_event_paranoid = 3;
  const std::string line = explain_no_counters(f);
  EXPECT_NE(line.find("No default PMU found"), std::string::npos);
  EXPECT_NE(line.find("perf_event_paranoid is 3"), std::string::npos);
}

TEST(Papi, ProbeOnThisMachineIsConsistent) {
  const PapiProbe probe = probe_papi(parse_counter_list("all"));
  if (probe.backend) {
    EXPECT_EQ(probe.status.backend, "papi");
    EXPECT_FALSE(probe.status.events.empty());
  } else {
    // No PMU (the development VMs and CI): unavailable, with the reason,
    // and no event chosen for any counter.
    EXPECT_EQ(probe.status.backend, "none");
    EXPECT_EQ(probe.status.status, "unavailable");
    EXPECT_NE(probe.status.reason.find("no hardware counters"), std::string::npos);
    for (const auto& c : probe.choices) EXPECT_TRUE(c.event.empty()) << c.logical;
  }
}

constexpr const char* kDump = R"(version: 1
creator: callgrind-3.19.0
desc: I1 cache: 32768 B, 64 B, 8-way associative
desc: D1 cache: 32768 B, 64 B, 8-way associative
desc: LL cache: 33554432 B, 64 B, 16-way associative
desc: Trigger: Client Request: locality:heap_vector/sum/1048576
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
summary: 4194322 1048578 7 2 65537 2 2 30
)";

TEST(Callgrind, ParsesADumpWithOmittedTrailingZeros) {
  const auto dump = parse_callgrind_dump(kDump);
  ASSERT_TRUE(dump);
  EXPECT_EQ(dump->first, "heap_vector/sum/1048576");
  EXPECT_DOUBLE_EQ(dump->second.instructions, 4194322);
  EXPECT_DOUBLE_EQ(dump->second.d1_misses, 65537 + 2);
  EXPECT_DOUBLE_EQ(dump->second.ll_misses, 30);  // DLmr 30, DLmw omitted (0)
}

TEST(Callgrind, IgnoresDumpsThatAreNotOursOrHaveNoCacheSimulation) {
  std::string other = kDump;
  other.replace(other.find("locality:"), 9, "somebody:");
  EXPECT_FALSE(parse_callgrind_dump(other));
  EXPECT_FALSE(parse_callgrind_dump("desc: Trigger: Client Request: locality:x\nevents: Ir\nsummary: 5\n"));
}

TEST(Callgrind, GeometryValgrindCanSimulate) {
  CacheLevel ok{3, "Unified", 32u << 20, 64, 16};
  EXPECT_EQ(valgrind_geometry_problem(ok), "");
  EXPECT_EQ(valgrind_cache_option("LL", ok), "--LL=33554432,16,64");
  CacheLevel odd_sets{3, "Unified", 96u << 20, 64, 16};  // 98304 sets
  EXPECT_NE(valgrind_geometry_problem(odd_sets).find("power-of-two number of sets"), std::string::npos);
  CacheLevel bad_line{1, "Data", 32768, 48, 8};
  EXPECT_NE(valgrind_geometry_problem(bad_line).find("line size"), std::string::npos);
}

const std::vector<CacheLevel> kCaches = {{1, "Data", 32768, 64, 8},
                                         {1, "Instruction", 32768, 64, 8},
                                         {2, "Unified", 1u << 20, 64, 8},
                                         {3, "Unified", 32u << 20, 64, 16}};

TEST(Calibration, KernelsAndTheirKnownAnswers) {
  const auto kernels = calibration_kernels(kCaches);
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0].name, "scan");
  EXPECT_EQ(kernels[0].working_set_bytes, 4u << 20);  // 4x L2
  EXPECT_DOUBLE_EQ(expected_misses(kernels[0], "l1d_misses", kCaches), 1.0 / 16);
  EXPECT_TRUE(std::isnan(expected_misses(kernels[0], "llc_misses", kCaches)));
  EXPECT_EQ(kernels[1].name, "chase");
  EXPECT_GT(kernels[1].working_set_bytes, 32u << 20);
  EXPECT_DOUBLE_EQ(expected_misses(kernels[1], "llc_misses", kCaches), 1.0);
  // only miss counters have a known answer
  EXPECT_TRUE(std::isnan(expected_misses(kernels[1], "cycles", kCaches)));
  EXPECT_TRUE(std::isnan(expected_misses(kernels[0], "instructions", kCaches)));
}

TEST(Calibration, EntryIsOkOnlyWithinTolerance) {
  const auto k = calibration_kernels(kCaches)[0];
  EXPECT_TRUE(calibration_entry(k, "x", 0.0625, 0.066, 0.1)["ok"].get<bool>());
  EXPECT_FALSE(calibration_entry(k, "x", 0.0625, 0.0, 0.1)["ok"].get<bool>());
  EXPECT_FALSE(calibration_entry(k, "x", 0.0625, std::nan(""), 0.1)["ok"].get<bool>());
  EXPECT_TRUE(calibration_entry(k, "x", 0.0625, std::nan(""), 0.1)["measured_per_elem"].is_null());
}

TEST(Calibration, ImpossibleCountsAreFound) {
  nlohmann::json benchmarks = nlohmann::json::array({
      {{"run_name", "heap_vector/sum/1048576"}, {"run_type", "iteration"},
       {"working_set_bytes", 4 << 20}, {"sim_d1_misses_per_elem", 0.0}},
      {{"run_name", "scattered_nodes/list_sum/65536"}, {"run_type", "iteration"},
       {"working_set_bytes", 2 << 20}, {"l1d_misses_per_elem", 0.5}, {"l2_misses_per_elem", 0.9}},
      {{"run_name", "arena_nodes/bump_list_sum/65536"}, {"run_type", "iteration"},
       {"working_set_bytes", 1 << 20}, {"sim_d1_misses_per_elem", 0.25}, {"sim_l2_misses_per_elem", 0.25}},
  });
  const auto found = impossible_counts(benchmarks, kCaches);
  ASSERT_EQ(found.size(), 2u);
  std::set<std::string> names;
  for (const auto& f : found) names.insert(f.substr(0, f.find(':')));
  EXPECT_EQ(names, (std::set<std::string>{"heap_vector/sum/1048576", "scattered_nodes/list_sum/65536"}));
}

}  // namespace
}  // namespace locality

namespace locality {
namespace {

TEST(RunOptions, SuffixesGoogleBenchmarkAddsAreRemoved) {
  EXPECT_EQ(without_run_options("heap_vector/sum/4096/min_time:0.010/repeats:2_mean"),
            "heap_vector/sum/4096_mean");
  EXPECT_EQ(without_run_options("a/b/1024/iterations:64"), "a/b/1024");
  EXPECT_EQ(without_run_options("a/b/1024"), "a/b/1024");
  EXPECT_EQ(without_run_options("a/b/1024/min_warmup_time:0.025/real_time"), "a/b/1024");
}

TEST(Calibration, NoKernelsWhereTheCachesAreUnknown) {
  EXPECT_TRUE(calibration_kernels({}).empty());
}

TEST(Sampling, MedianAndMinimumWithBootstrapIntervals) {
  const std::vector<double> v = {10, 11, 10.5, 30, 10.2, 10.1, 10.4};
  const PointStats med = point_stats(v, Statistic::median, "x");
  EXPECT_DOUBLE_EQ(med.value, 10.4);
  EXPECT_DOUBLE_EQ(med.min, 10);
  EXPECT_DOUBLE_EQ(med.max, 30);
  EXPECT_LE(med.ci_low, med.value);
  EXPECT_GE(med.ci_high, med.value);
  EXPECT_LT(med.relative_half_width(), 0.1);  // one outlier does not widen a median's interval much
  const PointStats min = point_stats(v, Statistic::minimum, "x");
  EXPECT_DOUBLE_EQ(min.value, 10);
  EXPECT_DOUBLE_EQ(min.ci_low, 10);
  // The same data and name give the same interval.
  const PointStats again = point_stats(v, Statistic::median, "x");
  EXPECT_DOUBLE_EQ(again.ci_low, med.ci_low);
  EXPECT_DOUBLE_EQ(again.ci_high, med.ci_high);
  // Spread-out repetitions give a wide interval; one repetition none at all.
  EXPECT_GT(point_stats({1, 2, 3, 4, 5}, Statistic::median, "y").relative_half_width(), 0.2);
  EXPECT_TRUE(std::isinf(point_stats({1}, Statistic::median, "z").relative_half_width()));
}

TEST(Sampling, PassesMergeIntoNumberedRepetitionsWithAggregates) {
  auto entry = [](const char* name, double t) {
    return nlohmann::json{{"name", std::string(name) + "/real_time"}, {"run_name", std::string(name) + "/real_time"},
                          {"run_type", "iteration"}, {"repetition_index", 0}, {"real_time", t},
                          {"cpu_time", t}, {"time_unit", "ns"}, {"iterations", 10}, {"elements", 2.0},
                          {"allocs_per_iter", 0.0}};
  };
  const nlohmann::json first = {{"benchmarks", {entry("a/b/1", 10), entry("a/b/1", 12), entry("a/c/1", 5)}}};
  const nlohmann::json second = {{"benchmarks", {entry("a/b/1", 14)}}};
  const nlohmann::json merged = merge_passes({first, second});
  std::vector<std::string> names;
  for (const auto& b : merged) names.push_back(b["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"a/b/1", "a/b/1", "a/b/1", "a/b/1_mean", "a/b/1_median",
                                             "a/b/1_stddev", "a/b/1_cv", "a/c/1"}));
  EXPECT_EQ(merged[2]["repetition_index"], 2);
  EXPECT_EQ(merged[2]["repetitions"], 3);
  EXPECT_DOUBLE_EQ(merged[3]["real_time"].get<double>(), 12);  // mean
  EXPECT_DOUBLE_EQ(merged[6]["real_time"].get<double>(), 2.0 / 12);  // cv
  EXPECT_EQ(merged[6]["aggregate_unit"], "percentage");
  EXPECT_DOUBLE_EQ(merged[6]["elements"].get<double>(), 0);  // a constant varies by 0%
  EXPECT_FALSE(merged[6].contains("allocs_per_iter"));  // cv of zeros is undefined: left out
  const auto times = times_per_unit(merged);
  EXPECT_EQ(times.at("a/b/1"), (std::vector<double>{5, 6, 7}));
}

TEST(Sampling, ABenchmarkTheDeadlineStopsInALaterPassKeepsItsFirstPass) {
  auto ran = [](const char* name, double t) {
    return nlohmann::json{{"name", name}, {"run_name", name}, {"run_type", "iteration"}, {"real_time", t},
                          {"cpu_time", t}, {"time_unit", "ns"}, {"iterations", 10}, {"elements", 1.0}};
  };
  auto skipped = [](const char* name, const char* why) {
    return nlohmann::json{{"name", name}, {"run_name", name}, {"run_type", "iteration"},
                          {"error_occurred", true}, {"error_message", why}};
  };
  // a/b/1 ran in the first pass and met the deadline in the second; a/c/1
  // met it in both; a/d/1 was interrupted: skipped, but not for time
  const nlohmann::json first = {{"benchmarks", {ran("a/b/1", 10), ran("a/b/1", 11), skipped("a/c/1", kNotRunOutOfTime)}}};
  const nlohmann::json second = {{"benchmarks", {skipped("a/b/1", kNotRunOutOfTime), skipped("a/c/1", kNotRunOutOfTime),
                                                 skipped("a/d/1", kNotRunInterrupted)}}};
  std::vector<std::string> out_of_time;
  const nlohmann::json kept = kept_benchmarks({first, second}, out_of_time);
  EXPECT_EQ(out_of_time, std::vector<std::string>{"a/c/1"});
  std::vector<std::string> names;
  for (const auto& b : kept) {
    EXPECT_FALSE(b.value("error_occurred", false)) << b.dump();
    names.push_back(b["name"]);
  }
  // the first pass's two repetitions and their aggregates; nothing of a/c/1 or a/d/1
  EXPECT_EQ(names, (std::vector<std::string>{"a/b/1", "a/b/1", "a/b/1_mean", "a/b/1_median", "a/b/1_stddev",
                                             "a/b/1_cv"}));
  EXPECT_EQ(kept[1]["repetition_index"], 1);
  EXPECT_DOUBLE_EQ(kept[2]["real_time"].get<double>(), 10.5);  // the mean of what ran
}

}  // namespace
}  // namespace locality
