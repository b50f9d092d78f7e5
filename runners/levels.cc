#include "runners/levels.h"

namespace locality {

std::vector<DetectedLevel> detect_levels(const std::vector<LatencyPoint>& points, double rise) {
  std::vector<DetectedLevel> levels;
  bool climbing = false;
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    const bool steep = points[i + 1].latency_ns > rise * points[i].latency_ns;
    if (steep && !climbing) {
      // Where the climb ends: the first size from which the next step is flat.
      std::size_t top = i + 1;
      while (top + 1 < points.size() && points[top + 1].latency_ns > rise * points[top].latency_ns) ++top;
      levels.push_back({points[i].working_set_bytes, points[i].latency_ns, points[top].latency_ns});
    }
    climbing = steep;
  }
  return levels;
}

}  // namespace locality
