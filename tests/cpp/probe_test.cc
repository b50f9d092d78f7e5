// The clock probe: what it measures on this machine is a clock some core
// runs at, and a figure no core runs at is said, not used.
#include <gtest/gtest.h>

#include "runners/lib/probe.h"

namespace locality {
namespace {

TEST(ClockProbe, MeasuresAClockACoreRunsAt) {
  // Few, short samples: the figure is checked against physics, not timed.
  const ClockProbe p = probe_clock(5, 0.001);
  ASSERT_EQ(p.ghz.size(), 5u);
  EXPECT_TRUE(implausible_clock(p.median_ghz).empty()) << implausible_clock(p.median_ghz);
  EXPECT_NE(p.method.find("register-register"), std::string::npos) << p.method;
  EXPECT_FALSE(to_json(p).contains("implausible"));
}

TEST(ClockProbe, AFigureNoCoreRunsAtIsSaid) {
  EXPECT_NE(implausible_clock(15.7).find("15.7 GHz"), std::string::npos);
  EXPECT_FALSE(implausible_clock(0.05).empty());
  EXPECT_TRUE(implausible_clock(3.2).empty());
  ClockProbe folded;
  folded.median_ghz = 15.7;
  EXPECT_TRUE(to_json(folded).contains("implausible"));
}

}  // namespace
}  // namespace locality
