// The time-budget planner and the simulation's geometry, on made-up costs
// and caches: nothing here depends on the machine that runs it.
#include <map>
#include <set>
#include <gtest/gtest.h>

#include "runners/lib/budget.h"
#include "runners/lib/simulate.h"

namespace locality {
namespace {

void noop(benchmark::State&, std::size_t) {}

TEST(SimulationGeometry, ValidGeometriesAreKept) {
  const CacheLevel ok{1, "Data", 48u << 10, 64, 12};  // 64 sets
  std::string note;
  const CacheLevel g = simulation_geometry(ok, note);
  EXPECT_EQ(note, "");
  EXPECT_EQ(g.size_bytes, ok.size_bytes);
  EXPECT_EQ(g.ways, 12);
}

TEST(SimulationGeometry, UnknownWaysAndOddSetsBecomeAValidGeometryThatIsSaid) {
  for (const CacheLevel& c : {CacheLevel{3, "Unified", 32u << 20, 64, 0}, CacheLevel{3, "Unified", 105u << 20, 64, 15},
                              CacheLevel{3, "Unified", 96u << 20, 64, 16}, CacheLevel{2, "Unified", 1u << 20, 128, 0}}) {
    std::string note;
    const CacheLevel g = simulation_geometry(c, note);
    EXPECT_EQ(valgrind_geometry_problem(g), "") << note;
    EXPECT_NE(note, "");
    EXPECT_EQ(g.line_bytes, c.line_bytes);
    // nearly the size reported: within one way of it
    EXPECT_LE(std::abs(static_cast<double>(g.size_bytes) - static_cast<double>(c.size_bytes)),
              static_cast<double>(c.size_bytes) / g.ways + 1);
  }
}

TEST(Budget, DurationsParseAndNonsenseIsRefused) {
  EXPECT_EQ(parse_duration("600"), 600.0);
  EXPECT_EQ(parse_duration("90s"), 90.0);
  EXPECT_EQ(parse_duration("10m"), 600.0);
  EXPECT_EQ(parse_duration("1.5h"), 5400.0);
  for (const char* bad : {"", "m", "-5", "0", "10 minutes", "1e300", "nan", "inf", "5d"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(Budget, CalibrationSizeIsTheLargestThatFitsOrHalvedUntilItDoes) {
  Case c{.name = "x", .summary = "", .peak_bytes_per_element = 64, .fn = &noop};
  EXPECT_EQ(calibration_size({1024, 65536, 1u << 20, 16u << 20}, c), 1u << 20);  // 64 MiB
  EXPECT_EQ(calibration_size({64u << 20}, c), 1u << 20);
  Case huge{.name = "y", .summary = "", .peak_bytes_per_element = 0, .fn = &noop,
            .peak_bytes = [](std::size_t) { return 1e12; }};
  EXPECT_EQ(calibration_size({1, 2}, huge), 0u);  // nothing fits: the cost is modelled
}

TEST(Budget, ABenchmarkCostsItsBuildAndItsRepetitions) {
  const CaseCost cost{1000, 0.5, 0.001};  // 1000 units: built in 0.5 s, one iteration in 1 ms
  // Short iterations: each repetition fills 1.4x the minimum time.
  const double small = benchmark_seconds(cost, 1000, 5, 0.03);
  EXPECT_GT(small, 0.5 + 5 * 1.4 * 0.03);
  EXPECT_LT(small, 0.5 + 5 * 1.4 * 0.03 + 0.05);
  // 100x the size: a 0.1 s iteration is one repetition, the build 50 s.
  const double large = benchmark_seconds(cost, 100000, 5, 0.03);
  EXPECT_NEAR(large, 50 + 5 * 0.1, 0.1);
  EXPECT_NEAR(benchmark_seconds(cost, 100000, 5, 0.03, 5), 5 * 50 + 5 * 0.1, 0.1);
}

// A family of two cases: a cheap one and one whose cost grows with size.
Family test_family() {
  Family f;
  f.name = "fam";
  f.unit = {"int", 4};
  f.size_name = "ints";
  for (const char* name : {"cheap", "dear"}) {
    Case c;
    c.name = name;
    c.peak_bytes_per_element = 4;
    c.fn = &noop;
    f.cases.push_back(c);
  }
  return f;
}

Plan test_plan(const Family& f) {
  Plan plan;
  plan.ladder = {1024, 4096, 16384, 65536, 262144};
  for (const Case& c : f.cases) {
    for (std::size_t n : plan.ladder) plan.benchmarks.push_back({benchmark_name(f, c, n), &f, &c, n});
  }
  return plan;
}

TEST(Budget, ThePlanIsCutFromTheDearestLargestSizesUntilItFits) {
  const Family f = test_family();
  Plan plan = test_plan(f);
  // dear: 4 s per 1024 ints to build, so its largest size costs 1024 s.
  const Costs costs = {{"fam/cheap", {1024, 0.001, 0.0001}}, {"fam/dear", {1024, 4.0, 0.0001}}};
  Budget budget;
  budget.seconds = 600;
  const Fit fit = fit_to_budget(plan, costs, 5, 0.03, std::size_t{1} << 40, 5, budget);
  EXPECT_LE(fit.estimate.total(), budget.seconds + 1e-9);
  EXPECT_GT(fit.untrimmed.total(), budget.seconds);
  ASSERT_FALSE(fit.cut.empty());
  EXPECT_EQ(fit.cut.front().name, "fam/dear/262144");
  // dear's sizes go while none alone covers what is left; the last cut is
  // the cheapest largest size that does, which may be cheap's
  for (std::size_t i = 0; i + 1 < fit.cut.size(); ++i) EXPECT_EQ(fit.cut[i].name.rfind("fam/dear/", 0), 0u) << fit.cut[i].name;
  // what was cut is in the plan's skips, with the reason, and not run
  for (const auto& c : fit.cut) {
    bool skipped = false;
    for (const auto& s : plan.skipped) skipped = skipped || (s.name == c.name && s.reason.find("time budget") != std::string::npos);
    EXPECT_TRUE(skipped) << c.name;
    for (const auto& b : plan.benchmarks) EXPECT_NE(b.name, c.name);
  }
  // every case keeps at least two sizes where that is enough
  std::size_t dear = 0;
  for (const auto& b : plan.benchmarks) dear += b.c->name == "dear";
  EXPECT_GE(dear, 2u);
}

// A case a claim compares beyond a level keeps its largest size while
// other sizes can go: the cheap case's largest size is cut before the dear
// one's, which decides the claim; with no other size left to cut, the
// claim's size goes too.
// The test family with a claim on dear and cheap beyond the LLC, and a third
// case, `extra`, that no claim names.
Family family_with_claim(const char* extra) {
  Family f = test_family();
  Claim claim;
  claim.kind = "ratio";
  claim.cases = {"dear", "cheap"};
  claim.at = "beyond:LLC";
  f.claims.push_back(claim);
  Case other = f.cases[0];
  other.name = extra;
  f.cases.push_back(other);
  return f;
}

TEST(Budget, TheSizeThatDecidesAClaimIsCutLast) {
  // a third case no claim names, a little cheaper than dear
  Family f = family_with_claim("other");
  Plan plan = test_plan(f);
  EXPECT_EQ(claim_cases_beyond(plan.benchmarks), (std::set<std::string>{"fam/dear", "fam/cheap"}));
  // other's largest size alone does not cover the excess, dear's does
  const Costs costs = {{"fam/cheap", {1024, 0.001, 0.0001}}, {"fam/dear", {1024, 0.9, 0.0001}},
                       {"fam/other", {1024, 0.5, 0.0001}}};
  Budget budget;
  budget.seconds = 600;
  Plan kept = plan;
  const Fit fit = fit_to_budget(kept, costs, 5, 0.03, std::size_t{1} << 40, 5, budget);
  ASSERT_FALSE(fit.cut.empty());
  EXPECT_EQ(fit.cut.front().name, "fam/other/262144");  // not dear's, though dear's costs more
  bool dear_top = false;
  for (const auto& b : kept.benchmarks) dear_top = dear_top || b.name == "fam/dear/262144";
  EXPECT_TRUE(dear_top);
  // the same plan without the claim cuts dear's largest size first
  f.claims.clear();
  Plan plain = test_plan(f);
  const Fit without = fit_to_budget(plain, costs, 5, 0.03, std::size_t{1} << 40, 5, budget);
  ASSERT_FALSE(without.cut.empty());
  EXPECT_EQ(without.cut.front().name, "fam/dear/262144");
}

// Of the cases' largest sizes, the cheapest that saves what is needed goes
// (no more is lost than the time asks for); where none saves that much, the
// dearest; with nothing needed, the dearest.
TEST(Budget, TheCheapestSizeThatSavesEnoughIsCut) {
  Family f = test_family();
  Case third = f.cases[0];
  third.name = "third";
  f.cases.push_back(third);
  const Plan plan = test_plan(f);  // cheap, dear, third: five sizes each
  std::map<std::string, double> cost = {{"fam/cheap/262144", 6}, {"fam/dear/262144", 100}, {"fam/third/262144", 20}};
  const auto seconds = [&](std::size_t i) { return cost.count(plan.benchmarks[i].name) ? cost[plan.benchmarks[i].name] : 0.5; };
  const auto pick = [&](double need) { return plan.benchmarks[largest_size_to_cut(plan.benchmarks, seconds, false, {}, need)].name; };
  EXPECT_EQ(pick(5), "fam/cheap/262144");
  EXPECT_EQ(pick(10), "fam/third/262144");
  EXPECT_EQ(pick(150), "fam/dear/262144");
  EXPECT_EQ(pick(0), "fam/dear/262144");
}

// A size that saves next to nothing is not cut to spare a claim's size:
// the sizes of a case no claim names that cost almost nothing all stay,
// and the claim's dear largest size goes instead (the run had emptied a
// ladder of 0-second sizes before).
TEST(Budget, SizesThatSaveNextToNothingAreNotCut) {
  const Family f = family_with_claim("tiny");
  Plan plan = test_plan(f);
  const Costs costs = {{"fam/cheap", {1024, 0.001, 0.0001}}, {"fam/dear", {1024, 1.2, 0.0001}},
                       {"fam/tiny", {1024, 1e-6, 1e-7}}};
  Budget budget;
  budget.seconds = 600;
  const Fit fit = fit_to_budget(plan, costs, 5, 0.03, std::size_t{1} << 40, 5, budget);
  ASSERT_FALSE(fit.cut.empty());
  EXPECT_EQ(fit.cut.front().name, "fam/dear/262144");
  for (const auto& c : fit.cut) EXPECT_EQ(c.name.rfind("fam/tiny/", 0), std::string::npos) << c.name;
  std::size_t tiny_sizes = 0;
  for (const auto& b : plan.benchmarks) tiny_sizes += b.c->name == "tiny";
  EXPECT_EQ(tiny_sizes, 5u);
}

// The default run's simulation takes its time from the reruns first, and
// cuts sizes only where the reruns cannot give it; the total stays within
// the budget either way.
TEST(Budget, TheSimulationTakesItsTimeFromTheRerunsFirst) {
  const Family f = test_family();
  // dear's sizes cost about 70 s in all: the reruns get less than that
  const Costs costs = {{"fam/cheap", {1024, 0.001, 0.0001}}, {"fam/dear", {1024, 0.2, 0.0001}}};
  Budget budget;
  budget.seconds = 150;
  Plan plain = test_plan(f);
  const Fit without = fit_to_budget(plain, costs, 5, 0.03, std::size_t{1} << 40, 5, budget);
  ASSERT_TRUE(without.cut.empty());
  ASSERT_GT(without.estimate.reruns_s, 20);
  budget.simulate_s = 20;
  Plan with_sim = test_plan(f);
  const Fit with = fit_to_budget(with_sim, costs, 5, 0.03, std::size_t{1} << 40, 5, budget);
  EXPECT_TRUE(with.cut.empty());
  EXPECT_DOUBLE_EQ(with.estimate.simulate_s, 20);
  EXPECT_NEAR(with.estimate.reruns_s, without.estimate.reruns_s - 20, 1e-9);
  EXPECT_NEAR(with.estimate.total(), without.estimate.total(), 1e-9);
  // a simulation that leaves no room for the first pass cuts sizes
  budget.simulate_s = 80;
  Plan crowded = test_plan(f);
  const Fit cut = fit_to_budget(crowded, costs, 5, 0.03, std::size_t{1} << 40, 5, budget);
  EXPECT_FALSE(cut.cut.empty());
  EXPECT_LE(cut.estimate.first_pass_s + cut.estimate.report_s + 80, 0.85 * (150 - 5 - cut.estimate.fixed_s) + 1e-9);
}

TEST(Budget, WithoutCuttingTheEstimateIsOnlyReported) {
  const Family f = test_family();
  Plan plan = test_plan(f);
  const Costs costs = {{"fam/cheap", {1024, 0.001, 0.0001}}, {"fam/dear", {1024, 4.0, 0.0001}}};
  Budget budget;
  budget.cut = false;
  const Fit fit = fit_to_budget(plan, costs, 5, 0.03, std::size_t{1} << 40, 5, budget);
  EXPECT_TRUE(fit.cut.empty());
  EXPECT_EQ(plan.benchmarks.size(), 10u);
  EXPECT_GT(fit.estimate.total(), budget.seconds);
}

TEST(Budget, StructuresBeyondTheFixtureCacheAreBuiltForEveryRepetition) {
  const Family f = test_family();
  Plan held = test_plan(f), evicted = test_plan(f);
  const Costs costs = {{"fam/cheap", {1024, 0.01, 0.0001}}, {"fam/dear", {1024, 0.01, 0.0001}}};
  Budget budget;
  budget.cut = false;
  const double all_held = fit_to_budget(held, costs, 5, 0.03, std::size_t{1} << 40, 0, budget).estimate.first_pass_s;
  const double none_held = fit_to_budget(evicted, costs, 5, 0.03, 1, 0, budget).estimate.first_pass_s;
  EXPECT_GT(none_held, all_held * 1.5);
}

TEST(Budget, RepetitionsAreSplitOverThePassesEarlierPassesTakingTheOddOnes) {
  EXPECT_EQ(split_repetitions(5, 2), (std::vector<int>{3, 2}));
  EXPECT_EQ(split_repetitions(5, 1), (std::vector<int>{5}));
  EXPECT_EQ(split_repetitions(7, 3), (std::vector<int>{3, 2, 2}));
  // never a pass without a repetition, never no pass
  EXPECT_EQ(split_repetitions(2, 5), (std::vector<int>{1, 1}));
  EXPECT_EQ(split_repetitions(1, 2), (std::vector<int>{1}));
  EXPECT_EQ(split_repetitions(4, 0), (std::vector<int>{4}));
}

TEST(Budget, EveryPassBuildsItsStructuresAndSearchesItsIterationCountAgain) {
  const Family f = test_family();
  Plan one = test_plan(f), two = test_plan(f);
  // builds dearer than the repetitions: a second pass costs another build each
  const Costs costs = {{"fam/cheap", {1024, 0.5, 0.0001}}, {"fam/dear", {1024, 0.5, 0.0001}}};
  Budget budget;
  budget.cut = false;
  const Fit single = fit_to_budget(one, costs, 5, 0.03, std::size_t{1} << 40, 0, budget);
  budget.passes = 2;
  const Fit split = fit_to_budget(two, costs, 5, 0.03, std::size_t{1} << 40, 0, budget);
  EXPECT_EQ(single.estimate.passes, 1);
  EXPECT_EQ(split.estimate.passes, 2);
  double builds = 0;
  for (const auto& b : two.benchmarks) builds += benchmark_seconds(costs.at("fam/" + b.c->name), b.size, 0, 0.03) -
                                                 benchmark_seconds(costs.at("fam/" + b.c->name), b.size, 0, 0.03, 0);
  // the same repetitions, one more build and search per benchmark
  EXPECT_GT(split.estimate.first_pass_s, single.estimate.first_pass_s + 0.99 * builds);
  double each = 0;
  for (const auto& [name, seconds] : split.seconds) each += seconds;
  EXPECT_NEAR(each, split.estimate.first_pass_s, 1e-9);
}

}  // namespace
}  // namespace locality
