#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/family.h"
#include "core/machine.h"
#include "core/platform.h"

namespace locality {
namespace {

TEST(ParseSize, ReadsSysfsAndHumanSizes) {
  EXPECT_EQ(parse_size("32K"), 32u * 1024);
  EXPECT_EQ(parse_size("1024K"), 1024u * 1024);
  EXPECT_EQ(parse_size("32M"), 32u << 20);
  EXPECT_EQ(parse_size("4G"), std::size_t{4} << 30);
  EXPECT_EQ(parse_size("512MiB"), 512u << 20);
  EXPECT_EQ(parse_size("64"), 64u);
  EXPECT_EQ(parse_size("8 KB"), 8u * 1024);
  EXPECT_FALSE(parse_size("lots"));
  EXPECT_FALSE(parse_size("12Q"));
  EXPECT_FALSE(parse_size(""));
}

TEST(ParseSize, RefusesSignsAndOverflowInsteadOfWrapping) {
  EXPECT_FALSE(parse_size("-5"));
  EXPECT_FALSE(parse_size("-1K"));
  EXPECT_FALSE(parse_size("+5"));
  EXPECT_FALSE(parse_size("18446744073709551616"));  // 2^64
  EXPECT_EQ(parse_size("18446744073709551615"), std::numeric_limits<std::size_t>::max());
  EXPECT_FALSE(parse_size("17179869184G"));           // 2^34 GiB = 2^64 bytes
  EXPECT_FALSE(parse_size("1.5K"));
  EXPECT_FALSE(parse_size("0x10"));
}

class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("locality-sysfs-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void add(int index, int level, const char* type, const char* size, int line, int ways) {
    auto dir = root_ / ("index" + std::to_string(index));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "level") << level << "\n";
    std::ofstream(dir / "type") << type << "\n";
    std::ofstream(dir / "size") << size << "\n";
    std::ofstream(dir / "coherency_line_size") << line << "\n";
    std::ofstream(dir / "ways_of_associativity") << ways << "\n";
  }
  std::filesystem::path root_;
};

TEST_F(FakeSysfs, ReadsEveryLevelSortedWithGeometry) {
  add(3, 3, "Unified", "32768K", 64, 16);
  add(0, 1, "Data", "48K", 64, 12);
  add(1, 1, "Instruction", "32K", 64, 8);
  add(2, 2, "Unified", "2048K", 64, 16);
  const auto caches = read_caches(root_.string());
  ASSERT_EQ(caches.size(), 4u);
  EXPECT_EQ(caches[0].level, 1);
  EXPECT_EQ(caches[3].level, 3);
  const auto l1 = data_cache(caches, 1);
  ASSERT_TRUE(l1);
  EXPECT_EQ(l1->type, "Data");
  EXPECT_EQ(l1->size_bytes, 48u * 1024);
  EXPECT_EQ(l1->ways, 12);
  const auto llc = last_level_cache(caches);
  ASSERT_TRUE(llc);
  EXPECT_EQ(llc->size_bytes, 32u << 20);
  EXPECT_EQ(llc->line_bytes, 64u);
}

TEST_F(FakeSysfs, MissingTreeGivesNoCaches) {
  EXPECT_TRUE(read_caches((root_ / "absent").string()).empty());
  EXPECT_FALSE(last_level_cache({}));
}

TEST(SizeLadder, SpansAFewKiBToAtLeastTwiceTheLastLevel) {
  for (std::size_t llc : {std::size_t{32} << 20, std::size_t{6} << 20, std::size_t{1} << 20}) {
    const auto ladder = shared_ladder(llc, false);
    ASSERT_GE(ladder.size(), 3u);
    EXPECT_EQ(ladder.front(), 1024u);  // 4 KiB of ints
    EXPECT_GE(ladder.back() * sizeof(int), 2 * llc);
    EXPECT_LT(ladder.back() * sizeof(int), 4 * llc);
    for (std::size_t i = 1; i < ladder.size(); ++i) EXPECT_LT(ladder[i - 1], ladder[i]);
  }
}

TEST(SizeLadder, QuickKeepsOneSizeBeyondTheLastLevel) {
  const std::size_t llc = std::size_t{32} << 20;
  const auto quick = shared_ladder(llc, true);
  EXPECT_LE(quick.size(), 4u);
  EXPECT_GT(quick.back() * sizeof(int), llc);
  EXPECT_LE(quick.front() * sizeof(int), 32u * 1024);  // inside any L1
}

TEST(MachineInfo, ReadsThisMachine) {
  EXPECT_FALSE(host_name().empty());
  const Machine& m = this_machine();
  EXPECT_FALSE(m.cpu_model.empty());
  EXPECT_NE(m.cpu_model_source, "unknown") << "no source named this CPU";
  EXPECT_FALSE(m.isa.empty());
  EXPECT_GE(m.logical_cpus, 1);
  EXPECT_NE(kernel_release().find("Linux"), std::string::npos);
  const MemoryLimits limits = memory_limits();
  ASSERT_TRUE(limits.usable());
  EXPECT_GT(*limits.usable(), 0u);
  EXPECT_NE(limits.binding(), "unknown");
}

TEST(MachineInfo, CachesComeFromHwlocAndAgreeWithSysfs) {
  const Machine& m = this_machine();
  const auto sysfs = read_caches();
  if (sysfs.empty()) GTEST_SKIP() << "no sysfs cache description to compare with";
  EXPECT_EQ(m.cache_source, "hwloc");
  const auto holds = [](const std::vector<CacheLevel>& caches, const CacheLevel& level) {
    return std::any_of(caches.begin(), caches.end(), [&](const CacheLevel& c) {
      return c.level == level.level && c.type == level.type && c.size_bytes == level.size_bytes &&
             c.line_bytes == level.line_bytes;
    });
  };
  // what hwloc reported agrees with sysfs level by level
  for (const auto& s : sysfs) {
    EXPECT_TRUE(holds(m.caches_reported, s)) << "sysfs L" << s.level << " " << s.type << " " << s.size_bytes
                                             << " not from hwloc";
  }
  // and what the suite uses is what was reported, except where a note says
  // why not (a VM that reports its host's whole L3 to two vCPUs)
  for (const auto& r : m.caches_reported) {
    const bool same = holds(m.caches, r);
    bool noted = false;
    for (const auto& n : m.cache_notes) noted = noted || (n.level == r.level && n.type == r.type);
    EXPECT_TRUE(same || noted) << "L" << r.level << " " << r.type << " " << r.size_bytes
                               << " reported, used otherwise without a note";
  }
}

TEST(MachineInfo, NoCacheDescriptionIsSaidNotGuessed) {
  const Machine m = describe_machine("/nonexistent/sysfs");
  // hwloc still describes this machine; where nothing does, the caches
  // used are an assumed hierarchy and every assumed size is noted
  if (m.cache_source == "unknown") {
    EXPECT_TRUE(m.caches_reported.empty());
    EXPECT_FALSE(m.caches.empty());
    EXPECT_GE(m.cache_notes.size(), 3u);
  } else {
    EXPECT_EQ(m.cache_source, "hwloc");
  }
}

// What check_caches does with figures a machine reported, whatever this
// machine is: the cases are made up.
TEST(CheckCaches, PlausibleFiguresAreUsedAsReported) {
  const std::vector<CacheLevel> reported = {{1, "Data", 48u << 10, 64, 12, 2},
                                            {1, "Instruction", 32u << 10, 64, 8, 2},
                                            {2, "Unified", 2u << 20, 64, 16, 2},
                                            {3, "Unified", 105u << 20, 64, 15, 112}};
  std::vector<CacheNote> notes;
  const auto used = check_caches(reported, std::size_t{256} << 30, notes);
  EXPECT_TRUE(notes.empty()) << notes.front().why;
  ASSERT_EQ(used.size(), reported.size());
  for (std::size_t i = 0; i < used.size(); ++i) EXPECT_EQ(used[i].size_bytes, reported[i].size_bytes);
}

TEST(CheckCaches, AnL3OfHalfAGigabytePerCoreIsReplacedAndSaid) {
  const std::vector<CacheLevel> reported = {{1, "Data", 48u << 10, 64, 12, 1},
                                            {2, "Unified", 1u << 20, 64, 8, 1},
                                            {3, "Unified", 508u << 20, 64, 0, 1}};
  std::vector<CacheNote> notes;
  const auto used = check_caches(reported, std::size_t{24} << 30, notes);
  ASSERT_EQ(used.size(), 3u);
  EXPECT_EQ(used[2].size_bytes, std::size_t{32} << 20);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].level, 3);
  EXPECT_EQ(notes[0].field, "size");
  EXPECT_EQ(notes[0].reported, "508 MiB");
  EXPECT_EQ(notes[0].used, "32 MiB");
  // the same L3 shared by 64 CPUs is plausible, its unknown ways noted
  std::vector<CacheLevel> shared = reported;
  shared[2].shared_by = 64;
  notes.clear();
  EXPECT_EQ(check_caches(shared, std::size_t{256} << 30, notes)[2].size_bytes, std::size_t{508} << 20);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].field, "ways");
  // but not on a machine with 2 GiB of memory
  notes.clear();
  EXPECT_EQ(check_caches(shared, std::size_t{2} << 30, notes)[2].size_bytes, std::size_t{32} << 20);
}

TEST(CheckCaches, LevelsThatDoNotGrowAndBadLinesAreSaid) {
  const std::vector<CacheLevel> reported = {{1, "Data", 32u << 10, 48, 8, 1},
                                            {2, "Unified", 1u << 20, 64, 8, 1},
                                            {3, "Unified", 512u << 10, 64, 8, 2}};
  std::vector<CacheNote> notes;
  const auto used = check_caches(reported, 0, notes);
  ASSERT_EQ(used.size(), 2u);
  EXPECT_EQ(used[0].line_bytes, 64u);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].field, "line");
  EXPECT_EQ(notes[1].field, "level");
  EXPECT_EQ(notes[1].used, "left out");
}

TEST(CheckCaches, NothingReportedGivesTheAssumedHierarchyWithANotePerLevel) {
  std::vector<CacheNote> notes;
  const auto used = check_caches({}, 0, notes);
  ASSERT_TRUE(last_level_cache(used));
  EXPECT_EQ(last_level_cache(used)->size_bytes, std::size_t{32} << 20);
  EXPECT_EQ(notes.size(), 3u);
  for (const auto& n : notes) EXPECT_EQ(n.reported, "nothing");
}

TEST(Platform, SmapsParserReadsTheMappingThatHoldsTheAddress) {
  const std::string smaps =
      "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0          [heap]\n"
      "Size:                132 kB\n"
      "AnonHugePages:          0 kB\n"
      "7f0000000000-7f0000800000 rw-p 00000000 00:00 0 \n"
      "Size:               8192 kB\n"
      "AnonHugePages:      6144 kB\n"
      "VmFlags: rd wr mr mw me ac hg\n";
  EXPECT_EQ(anon_huge_bytes(smaps, 0x7f0000001000), 6144u * 1024);
  EXPECT_EQ(anon_huge_bytes(smaps, 0x55d0c0a00010), 0u);
  EXPECT_EQ(anon_huge_bytes(smaps, 0x7f0000800000), std::nullopt);  // one past the end
  EXPECT_EQ(anon_huge_bytes("", 0x1000), std::nullopt);
}

TEST(Platform, PinningPutsTheThreadOnTheCpuAsked) {
  const auto cpus = allowed_cpus();
  ASSERT_FALSE(cpus.empty());
  ASSERT_TRUE(pin_this_thread(cpus.back()));
  EXPECT_EQ(current_cpu(), cpus.back());
  EXPECT_TRUE(unpin_this_thread(cpus));
  EXPECT_EQ(allowed_cpus(), cpus);
  EXPECT_FALSE(executable_path().empty());
}

}  // namespace
}  // namespace locality
