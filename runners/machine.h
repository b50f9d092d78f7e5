// What a result file says about the machine it was measured on, read from
// sysfs and procfs: caches, CPU model, host, kernel, memory.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace locality {

struct CacheLevel {
  int level = 0;
  std::string type;  // "Data", "Instruction" or "Unified"
  std::size_t size_bytes = 0;
  std::size_t line_bytes = 0;
  int ways = 0;
};

// Parses sysfs sizes such as "32K", "1024K", "32M" or "4096"; nullopt when
// the text is not a size.
std::optional<std::size_t> parse_size(const std::string& text);

// The caches of CPU 0 from <root>/index*/ (default
// /sys/devices/system/cpu/cpu0/cache), sorted by level; empty when sysfs
// does not describe them.
std::vector<CacheLevel> read_caches(
    const std::string& root = "/sys/devices/system/cpu/cpu0/cache");

// The data or unified cache of a level, or the last level; nullopt if none.
std::optional<CacheLevel> data_cache(const std::vector<CacheLevel>& caches, int level);
std::optional<CacheLevel> last_level_cache(const std::vector<CacheLevel>& caches);

std::string cpu_model();
std::string host_name();
std::string kernel_release();
// MemAvailable from /proc/meminfo; nullopt when unreadable.
std::optional<std::size_t> mem_available_bytes();

// The element counts every family runs at: powers of 4 from 1024 (4 KiB of
// ints) while below the target, then the first power of two whose int array
// is at least 4x the last-level cache. The quick ladder keeps 4 sizes: in
// L1, in L2, in the last level, and the first power of two whose int array
// is larger than the last-level cache.
std::vector<std::size_t> size_ladder(std::size_t llc_bytes, bool quick);

}  // namespace locality
