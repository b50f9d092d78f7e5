// The descriptors are the only description of an experiment the report
// reads: every one must be complete and every claim must name cases, kinds
// and regions that exist. Iterates the catalogue, so a new family is
// checked without an edit here.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "core/family.h"
#include "runners/lib/plan.h"

namespace locality {
namespace {

const std::set<std::string> kKinds = {"ratio", "growth", "spread", "monotone", "value", "hook"};
const std::set<std::string> kRegions = {"all",       "in:L1",     "in:L2",      "in:LLC", "beyond:L1",
                                        "beyond:L2", "beyond:LLC", "first", "last"};

// "case" of this family or "family/case"; true when it names a case.
bool resolves(const Family& f, const std::string& name) {
  if (name.find('/') != std::string::npos) return static_cast<bool>(find_case(name));
  for (const Case& c : f.cases) {
    if (c.name == name) return true;
  }
  return false;
}

TEST(Catalogue, EveryFamilyIsDescribedWhole) {
  std::set<std::string> names;
  for (const Family& f : families()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_FALSE(f.demonstrates.empty()) << f.name;
    EXPECT_FALSE(f.title.empty()) << f.name << " has no title for its figure";
    EXPECT_FALSE(f.expected.empty()) << f.name;
    EXPECT_FALSE(f.unit.name.empty()) << f.name;
    EXPECT_FALSE(f.size_name.empty()) << f.name;
    EXPECT_FALSE(f.cases.empty()) << f.name;
    EXPECT_FALSE(f.claims.empty()) << f.name << " states an expectation but checks none of it";
    std::set<std::string> cases;
    for (const Case& c : f.cases) {
      EXPECT_TRUE(cases.insert(c.name).second) << f.name << "/" << c.name;
      EXPECT_NE(c.fn, nullptr) << f.name << "/" << c.name;
      EXPECT_FALSE(c.summary.empty()) << f.name << "/" << c.name;
      EXPECT_EQ(c.name.find('/'), std::string::npos) << c.name;
      EXPECT_GE(unit_of(f, c).bytes, 0) << c.name;
    }
  }
}

// Legends show the label, in words a student reads: never the identifier
// (no underscore, which identifiers have and words do not), and two cases of
// one series (one legend) never share one.
TEST(Catalogue, EveryCaseHasAPlainWordsLabelOfItsOwn) {
  for (const Family& f : families()) {
    std::set<std::pair<std::string, std::string>> labels;
    for (const Case& c : f.cases) {
      EXPECT_FALSE(c.label.empty()) << f.name << "/" << c.name << " has no legend label";
      EXPECT_EQ(c.label.find('_'), std::string::npos) << f.name << "/" << c.name << ": " << c.label;
      EXPECT_LE(c.label.size(), 40U) << f.name << "/" << c.name << ": a legend label, not a sentence";
      EXPECT_TRUE(labels.insert({c.series, c.label}).second) << f.name << ": two cases labelled " << c.label;
    }
  }
}

// The default run simulates a stated subset where there are no hardware
// counters: every layout and the baseline (the comparison figure), and the
// latency ladder; each of them is a case the simulator can model.
TEST(Catalogue, TheDefaultRunSimulatesTheLayoutsAndTheLatencyLadder) {
  std::size_t latency = 0;
  for (const Family& f : families()) {
    for (const Case& c : f.cases) {
      if (c.role == Role::baseline || c.role == Role::layout) {
        EXPECT_TRUE(c.simulated_by_default) << f.name << "/" << c.name;
      }
      if (c.simulated_by_default) {
        EXPECT_TRUE(c.not_simulated.empty()) << f.name << "/" << c.name << ": " << c.not_simulated;
        latency += f.name == "latency";
      }
    }
  }
  EXPECT_GE(latency, 1U);
}

// The gallery reads its columns from the descriptors: each column is taken
// by exactly one case, and only the columns it knows exist.
TEST(Catalogue, EachGalleryColumnIsTakenByOneCase) {
  std::map<std::string, int> taken;
  for (const Family& f : families()) {
    for (const Case& c : f.cases) {
      if (!c.gallery.empty()) ++taken[c.gallery];
    }
  }
  const std::map<std::string, int> want = {{"latency", 1}, {"bandwidth", 1}, {"scattered", 1}, {"contiguous", 1}};
  EXPECT_EQ(taken, want);
}

// The report draws a model only from what the descriptor gives it: a kind it
// knows, with the parameters that kind needs, a positive tolerance, and a
// series model only where the case has an axis to lie along. The families a
// course draws models for have one.
TEST(Catalogue, EveryModelIsAKindTheReportKnowsWithItsParameters) {
  const std::set<std::string> kinds = {"random", "cyclic", "stream", "little", "list"};
  std::set<std::string> modelled;
  for (const Family& f : families()) {
    for (const Case& c : f.cases) {
      if (c.model.kind.empty()) continue;
      modelled.insert(f.name);
      EXPECT_TRUE(kinds.count(c.model.kind)) << f.name << "/" << c.name << ": " << c.model.kind;
      EXPECT_GT(c.model.tolerance, 0) << f.name << "/" << c.name;
      EXPECT_LE(c.model.tolerance, 1) << f.name << "/" << c.name;
      if (c.model.kind == "stream") {
        EXPECT_GT(c.model.bytes, 0) << f.name << "/" << c.name;
        EXPECT_GE(c.model.stride, c.model.bytes) << f.name << "/" << c.name;
      }
      if (c.model.kind == "little") {
        EXPECT_FALSE(c.axis.counter.empty()) << f.name << "/" << c.name;
      }
      EXPECT_NE(c.role, Role::build) << f.name << "/" << c.name << ": a build has no traversal model";
    }
  }
  for (const char* f : {"latency", "heap_vector", "stride", "aos_soa", "mlp", "tlb", "element_size",
                        "scattered_nodes", "arena_nodes"}) {
    EXPECT_TRUE(modelled.count(f)) << f << " has no model";
  }
  // the machine model reads its latencies from the case the gallery marks
  for (const Family& f : families()) {
    for (const Case& c : f.cases) {
      if (c.gallery == "latency") {
        EXPECT_EQ(c.model.kind, "random") << f.name << "/" << c.name;
      }
    }
  }
}

TEST(Catalogue, EveryClaimNamesCasesKindsAndRegionsThatExist) {
  for (const Family& f : families()) {
    for (const Claim& c : f.claims) {
      const std::string where = f.name + ": " + c.says;
      EXPECT_TRUE(kKinds.count(c.kind)) << where << ": kind " << c.kind;
      EXPECT_TRUE(kRegions.count(c.at)) << where << ": region " << c.at;
      EXPECT_FALSE(c.says.empty()) << f.name;
      EXPECT_FALSE(c.cases.empty()) << where;
      for (const auto& name : c.cases) EXPECT_TRUE(resolves(f, name)) << where << ": no case " << name;
      if (c.kind == "ratio") {
        EXPECT_EQ(c.cases.size(), 2u) << where;
      }
      if (c.kind == "growth") {
        EXPECT_TRUE(kRegions.count(c.to)) << where << ": growth needs a region `to`";
      }
      if (c.kind == "hook") {
        EXPECT_FALSE(c.hook.empty()) << where;
      } else {
        EXPECT_TRUE(!std::isnan(c.min) || !std::isnan(c.max)) << where << ": a claim with no bound cannot fail";
      }
      EXPECT_TRUE(c.match == "elements" || c.match == "working_set" || c.match == "largest") << where;
    }
  }
}

TEST(Catalogue, OneBaselineAndEveryLayoutCaseComparesWithIt) {
  int baselines = 0;
  for (const Family& f : families()) {
    for (const Case& c : f.cases) baselines += c.role == Role::baseline;
  }
  EXPECT_EQ(baselines, 1);
}

TEST(Catalogue, PlanSelectsSkipsAndRejectsAsAsked) {
  PlanOptions options;
  options.selectors = {"heap_vector/sum"};
  options.sizes = {1024, 4096};
  const Plan plan = make_plan(this_machine(), options);
  ASSERT_EQ(plan.benchmarks.size(), 2u);
  EXPECT_EQ(plan.benchmarks[0].name, "heap_vector/sum/1024");
  EXPECT_TRUE(plan.skipped.empty());

  options.max_memory = 6000;  // 4096 ints need 16 KiB
  const Plan small = make_plan(this_machine(), options);
  ASSERT_EQ(small.benchmarks.size(), 1u);
  ASSERT_EQ(small.skipped.size(), 1u);
  EXPECT_EQ(small.skipped[0].name, "heap_vector/sum/4096");
  EXPECT_NE(small.skipped[0].reason.find("--max-memory"), std::string::npos) << small.skipped[0].reason;

  options.max_memory = 100;
  EXPECT_THROW(make_plan(this_machine(), options), PlanError);  // everything skipped: says so
  options.max_memory.reset();
  options.selectors = {"heap_vector/nope"};
  EXPECT_THROW(make_plan(this_machine(), options), PlanError);
  options.selectors = {};
  options.filter = "^nothing$";
  EXPECT_THROW(make_plan(this_machine(), options), PlanError);
  options.filter = "(unclosed";
  EXPECT_THROW(make_plan(this_machine(), options), PlanError);
}

TEST(Catalogue, LaddersSizeFromTheMachineAndAssumeOnlyWhenNothingIsKnown) {
  Machine unknown;
  EXPECT_EQ(ladder_llc(unknown, std::nullopt).second, "assumed");
  EXPECT_EQ(ladder_llc(unknown, std::size_t{8} << 20), std::make_pair(std::size_t{8} << 20, std::string("--llc")));
  Machine known;
  known.caches = {{1, "Data", 32768, 64, 8, 1}, {3, "Unified", 16u << 20, 64, 16, 8}};
  known.cache_source = "hwloc";
  EXPECT_EQ(ladder_llc(known, std::nullopt), std::make_pair(std::size_t{16} << 20, std::string("hwloc")));
}

}  // namespace
}  // namespace locality
