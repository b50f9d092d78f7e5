#include <gtest/gtest.h>

#include "runners/levels.h"

namespace locality {
namespace {

std::vector<LatencyPoint> curve(const std::vector<double>& ns) {
  std::vector<LatencyPoint> points;
  double size = 4096;
  for (double v : ns) {
    points.push_back({size, v});
    size *= 2;
  }
  return points;
}

TEST(DetectLevels, ThreeStepsOfAClassicHierarchy) {
  // 4K..32K flat (L1), 128K-1M (L2), 4M-32M (L3), then DRAM from 128M; each
  // climb spread over two sizes, with noise on the plateaus.
  const auto levels = detect_levels(curve({1.0, 1.02, 0.98, 1.0,            // 4K-32K
                                           2.0, 3.6, 3.7, 3.6, 3.8,         // 64K-1M
                                           9.0, 15.0, 15.5, 16.0, 15.8,     // 2M-32M
                                           60.0, 110.0, 112.0}));           // 64M-256M
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels[0].size_bytes, 32768);
  EXPECT_DOUBLE_EQ(levels[0].latency_ns, 1.0);
  EXPECT_DOUBLE_EQ(levels[0].next_latency_ns, 3.6);
  EXPECT_EQ(levels[1].size_bytes, 1 << 20);
  EXPECT_EQ(levels[2].size_bytes, 32 << 20);
  EXPECT_DOUBLE_EQ(levels[2].next_latency_ns, 110.0);
}

TEST(DetectLevels, FlatOrNoisyCurvesHaveNoLevel) {
  EXPECT_TRUE(detect_levels(curve({1.0, 1.1, 1.0, 1.2, 1.1, 1.25})).empty());
  EXPECT_TRUE(detect_levels(curve({5.0})).empty());
  EXPECT_TRUE(detect_levels({}).empty());
}

}  // namespace
}  // namespace locality
