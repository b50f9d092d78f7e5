// Counter arithmetic, kept away from the counting itself so that it is
// tested on every machine. All functions return NaN when a figure is
// undefined (no elements, no accesses), never a made-up zero.
#pragma once

#include <cmath>
#include <cstddef>

namespace locality::derived {

inline double per_element(double total, double iterations, double elements) {
  if (!(iterations > 0) || !(elements > 0)) return std::nan("");
  return total / (iterations * elements);
}

inline double miss_ratio(double misses, double accesses) {
  if (!(accesses > 0)) return std::nan("");
  return misses / accesses;
}

inline double ipc(double instructions, double cycles) {
  if (!(cycles > 0)) return std::nan("");
  return instructions / cycles;
}

// Bytes moved between two cache levels: one line per miss.
inline double bytes_from_lines(double lines, std::size_t line_bytes) {
  return lines * static_cast<double>(line_bytes);
}

// The misses a scan touching every byte once must take per element: one per
// line, so element_bytes / line_bytes (1/16 for ints on 64-byte lines).
inline double scan_misses_per_element(std::size_t element_bytes, std::size_t line_bytes) {
  if (line_bytes == 0) return std::nan("");
  return static_cast<double>(element_bytes) / static_cast<double>(line_bytes);
}

}  // namespace locality::derived
