// The machine a result was measured on: caches, CPU, cores and memory.
// Cache geometry and topology come from hwloc, which reads Linux, macOS,
// Windows and ARM alike; sysfs is read only where hwloc says nothing. A
// machine whose caches no source describes says so ("unknown"); nothing is
// guessed silently.
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
  int ways = 0;  // 0: unknown; -1: fully associative
  int shared_by = 0;  // logical CPUs sharing one instance (0: unknown)
};

// A cache figure the machine reported that was not used as it came, what
// was used instead, and why: an unknown associativity, a size no CPU has,
// a level no larger than the one below it, or no description at all.
struct CacheNote {
  int level = 0;
  std::string type;
  std::string field;     // "size", "ways", "line" or "level"
  std::string reported;  // as reported ("0", "508 MiB", "nothing")
  std::string used;      // what the suite uses ("32 MiB", "left out", "16 (simulation only)")
  std::string why;
};

struct Machine {
  // Of the first CPU, by level, as the suite uses them: the reported
  // figures after check_caches (a stated fallback where they are missing
  // or implausible).
  std::vector<CacheLevel> caches;
  std::vector<CacheLevel> caches_reported;  // as hwloc or sysfs gave them
  std::vector<CacheNote> cache_notes;       // every figure not used as reported
  std::string cache_source;        // "hwloc", "sysfs" or "unknown"
  std::size_t memory_bytes = 0;    // physical memory (hwloc, else /proc/meminfo); 0: unknown
  std::string cpu_model;
  std::string cpu_model_source;    // where cpu_model came from
  std::string isa;                 // "x86_64", "aarch64", ...
  int logical_cpus = 0;
  int cores = 0;
  int numa_nodes = 0;
  // Logical CPUs of each core, by core: the CPUs that share one core's
  // caches (hyperthreads).
  std::vector<std::vector<int>> core_cpus;
};

// The machine this program runs on, read once.
const Machine& this_machine();
// Reads it again from hwloc (and sysfs); `sysfs_root` for tests.
Machine describe_machine(const std::string& sysfs_root = "/sys/devices/system/cpu/cpu0/cache");

// The caches of CPU 0 from <root>/index*/ (sysfs), sorted by level; empty
// when sysfs does not describe them.
std::vector<CacheLevel> read_caches(const std::string& root = "/sys/devices/system/cpu/cpu0/cache");

// Parses a size: digits with an optional K, M or G suffix (powers of 1024;
// "KiB", "KB", "MiB" ... accepted), as sysfs and the command lines write
// them. nullopt for anything else: a sign, no digits, an unknown suffix, or
// a value that does not fit in size_t.
std::optional<std::size_t> parse_size(const std::string& text);

// The caches to use from the reported ones, with a note for every figure
// replaced. Sizes are checked against what any CPU has: an L1 from 2 KiB
// to 1 MiB, an L2 or beyond at most kMaxCachePerCpu per logical CPU that
// shares it and at most an eighth of `memory_bytes` (0: unknown), each
// level larger than the one below it; lines a power of two from 16 to
// 1024 bytes. An implausible size is replaced by the size assumed for its
// level (at least 4x the level below); a level that does not grow is left
// out; no caches at all gives the assumed hierarchy (32 KiB 8-way L1d,
// 1 MiB 8-way L2, 32 MiB 16-way L3, 64-byte lines). An unknown
// associativity (0) is kept as unknown and noted: only the simulation needs
// it, and chooses a valid one itself.
inline constexpr std::size_t kMaxCachePerCpu = std::size_t{128} << 20;
std::vector<CacheLevel> check_caches(const std::vector<CacheLevel>& reported, std::size_t memory_bytes,
                                     std::vector<CacheNote>& notes);

// The data or unified cache of a level, or the last level; nullopt if none.
std::optional<CacheLevel> data_cache(const std::vector<CacheLevel>& caches, int level);
std::optional<CacheLevel> last_level_cache(const std::vector<CacheLevel>& caches);

// The logical CPUs that share a core with `cpu` (itself included); empty
// when unknown.
std::vector<int> core_siblings(const Machine& m, int cpu);

std::string host_name();
std::string kernel_release();

// Memory this process can still use, from every limit that applies: the
// system's available memory, the cgroup's limit less its usage, and the
// address-space limit (RLIMIT_AS) less what the process maps already.
struct MemoryLimits {
  std::optional<std::size_t> available;  // MemAvailable (/proc/meminfo)
  std::optional<std::size_t> cgroup;     // cgroup limit less usage
  std::optional<std::size_t> address_space;  // RLIMIT_AS less VmSize
  // The smallest of them, and which it is ("MemAvailable", "cgroup memory
  // limit", "RLIMIT_AS (ulimit -v)"); nullopt when none is known.
  std::optional<std::size_t> usable() const;
  std::string binding() const;
};
MemoryLimits memory_limits();


}  // namespace locality
