// Cache levels read off a latency curve: where the load-to-use latency of a
// random chase steps up as the working set grows.
#pragma once

#include <cstddef>
#include <vector>

namespace locality {

struct LatencyPoint {
  double working_set_bytes;
  double latency_ns;
};

struct DetectedLevel {
  double size_bytes;        // the last working set before the step
  double latency_ns;        // the latency there (the level's hit latency)
  double next_latency_ns;   // the latency once the step has been climbed
};

// `points` sorted by working set. A step starts where the latency rises by
// more than `rise` from one size to the next after a flatter stretch; the
// level's size is the last size before it. A step spread over several
// sizes counts once.
std::vector<DetectedLevel> detect_levels(const std::vector<LatencyPoint>& points, double rise = 1.3);

}  // namespace locality
