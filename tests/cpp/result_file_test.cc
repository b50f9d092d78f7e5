#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runners/lib/result_file.h"

namespace locality {
namespace {

namespace fs = std::filesystem;

class ResultFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("locality-results-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  fs::path dir_;
};

TEST(ResultName, HostAndUtcStamp) {
  const auto t = std::chrono::system_clock::from_time_t(1795615743);  // 2026-11-25T14:09:03Z
  EXPECT_EQ(utc_stamp(t), "20261125T140903Z");
  EXPECT_EQ(utc_iso(t), "2026-11-25T14:09:03Z");
  EXPECT_EQ(default_result_path("results", "box-1.lan", "S"), fs::path("results/box-1.lan-S.json"));
  EXPECT_EQ(default_result_path("r", "../../etc/x y", "S"), fs::path("r/host.._.._etc_x_y-S.json"));
}

TEST_F(ResultFile, CreatesMissingFolderAndWritesAtomically) {
  const fs::path p = dir_ / "sub" / "a.json";
  check_can_create(p);
  EXPECT_TRUE(fs::is_directory(dir_ / "sub"));
  write_new_file(p, "{\"x\": 1}\n");
  EXPECT_EQ(slurp(p), "{\"x\": 1}\n");
  EXPECT_EQ(fs::status(p).permissions() & fs::perms::others_read, fs::perms::others_read);
}

TEST_F(ResultFile, NeverOverwritesAndLeavesNoTemporaryFiles) {
  fs::create_directories(dir_);
  const fs::path p = dir_ / "a.json";
  write_new_file(p, "first");
  EXPECT_THROW(check_can_create(p), std::runtime_error);
  try {
    write_new_file(p, "second");
    FAIL() << "overwrote an existing result file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("never overwritten"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(p), "first");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(ResultFile, FolderThatIsAFileIsAClearError) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "plain") << "x";
  try {
    check_can_create(dir_ / "plain" / "a.json");
    FAIL() << "accepted a folder that is a file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / "plain").string()), std::string::npos) << e.what();
  }
}

TEST_F(ResultFile, TwoRunsInTheSameSecondBothKeepTheirFiles) {
  fs::create_directories(dir_);
  const fs::path p = dir_ / "host-20261125T140903Z.json";
  EXPECT_EQ(write_new_file(p, "first", true), p);
  EXPECT_EQ(write_new_file(p, "second", true), dir_ / "host-20261125T140903Z-2.json");
  EXPECT_EQ(write_new_file(p, "third", true), dir_ / "host-20261125T140903Z-3.json");
  EXPECT_EQ(slurp(p), "first");
  EXPECT_EQ(slurp(dir_ / "host-20261125T140903Z-2.json"), "second");
  EXPECT_EQ(entries(), 3u);
}

TEST_F(ResultFile, AFolderGivenAsTheFileIsNamedAsSuch) {
  fs::create_directories(dir_);
  try {
    check_can_create(dir_);
    FAIL() << "accepted a folder as the result file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder"), std::string::npos) << e.what();
  }
}

TEST_F(ResultFile, MeasurementsSurviveAFailedWrite) {
  fs::create_directories(dir_);
  const fs::path taken = dir_ / "run.json";
  write_new_file(taken, "someone else's");
  const SavedResult saved = save_result(taken, "the measurements", false);
  EXPECT_NE(saved.failure.find("exists already"), std::string::npos) << saved.failure;
  ASSERT_FALSE(saved.written.empty());
  EXPECT_NE(saved.written, taken);
  EXPECT_EQ(saved.written.parent_path(), dir_);
  EXPECT_EQ(slurp(saved.written), "the measurements");
  EXPECT_EQ(slurp(taken), "someone else's");
  // A folder that vanished: the fallback goes to the temporary folder.
  const SavedResult elsewhere = save_result(dir_ / "gone" / "run.json", "kept", false);
  ASSERT_FALSE(elsewhere.written.empty());
  EXPECT_EQ(slurp(elsewhere.written), "kept");
  fs::remove(elsewhere.written);
}

}  // namespace
}  // namespace locality
