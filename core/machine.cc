#include "core/machine.h"

#include <hwloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "core/units.h"

namespace locality {
namespace {

std::optional<std::string> read_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

std::size_t to_size(const std::optional<std::string>& text) {
  return text ? parse_size(*text).value_or(0) : 0;
}

void sort_caches(std::vector<CacheLevel>& caches) {
  std::sort(caches.begin(), caches.end(), [](const CacheLevel& a, const CacheLevel& b) {
    return a.level != b.level ? a.level < b.level : a.type < b.type;
  });
}

int count_type(hwloc_topology_t topo, hwloc_obj_type_t type) {
  const int n = hwloc_get_nbobjs_by_type(topo, type);
  return n < 0 ? 0 : n;
}

// The caches above the first processing unit, from hwloc.
std::vector<CacheLevel> hwloc_caches(hwloc_topology_t topo) {
  std::vector<CacheLevel> caches;
  hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0);
  for (hwloc_obj_t o = pu ? pu->parent : nullptr; o != nullptr; o = o->parent) {
    if (!hwloc_obj_type_is_cache(o->type)) continue;
    CacheLevel c;
    c.level = static_cast<int>(o->attr->cache.depth);
    c.type = o->attr->cache.type == HWLOC_OBJ_CACHE_DATA          ? "Data"
             : o->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION ? "Instruction"
                                                                   : "Unified";
    c.size_bytes = static_cast<std::size_t>(o->attr->cache.size);
    c.line_bytes = o->attr->cache.linesize;
    c.ways = o->attr->cache.associativity;
    c.shared_by = o->cpuset ? hwloc_bitmap_weight(o->cpuset) : 0;
    if (c.level > 0 && c.size_bytes > 0) caches.push_back(c);
  }
  sort_caches(caches);
  return caches;
}

// A name for an Arm core from the implementer and part numbers that Linux
// and hwloc report where there is no model-name line.
std::string arm_cpu_name(const std::string& implementer, const std::string& part) {
  static const std::map<std::pair<long, long>, const char*> known = {
      {{0x41, 0xd03}, "Arm Cortex-A53"}, {{0x41, 0xd07}, "Arm Cortex-A57"},
      {{0x41, 0xd08}, "Arm Cortex-A72"}, {{0x41, 0xd0b}, "Arm Cortex-A76"},
      {{0x41, 0xd0c}, "Arm Neoverse N1"}, {{0x41, 0xd40}, "Arm Neoverse V1"},
      {{0x41, 0xd49}, "Arm Neoverse N2"}, {{0x41, 0xd4f}, "Arm Neoverse V2"},
      {{0x61, 0x022}, "Apple M1"},       {{0x61, 0x032}, "Apple M2"},
  };
  long imp = -1, prt = -1;
  try {
    imp = std::stol(implementer, nullptr, 0);
    prt = std::stol(part, nullptr, 0);
  } catch (...) {
    return "";
  }
  auto it = known.find({imp, prt});
  std::ostringstream name;
  if (it != known.end()) {
    name << it->second;
  } else {
    name << "Arm CPU (implementer 0x" << std::hex << imp << ", part 0x" << prt << ")";
  }
  return name.str();
}

// /proc/cpuinfo's first value for `key`, or "".
std::string cpuinfo(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    return v;
  }
  return "";
}

std::string isa_name() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  utsname u{};
  return uname(&u) == 0 ? u.machine : "unknown";
#endif
}

std::size_t meminfo_total() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string rest;
  while (in >> key >> kib) {
    std::getline(in, rest);
    if (key == "MemTotal:") return kib * 1024;
  }
  return 0;
}

bool power_of_two(std::size_t v) { return v != 0 && (v & (v - 1)) == 0; }

// The size assumed for a level when nothing plausible was reported.
std::size_t assumed_size(int level) {
  return level <= 1 ? std::size_t{32} << 10 : level == 2 ? std::size_t{1} << 20 : std::size_t{32} << 20;
}

}  // namespace

std::vector<CacheLevel> check_caches(const std::vector<CacheLevel>& reported, std::size_t memory_bytes,
                                     std::vector<CacheNote>& notes) {
  auto note = [&notes](const CacheLevel& c, std::string field, std::string was, std::string used, std::string why) {
    notes.push_back({c.level, c.type, std::move(field), std::move(was), std::move(used), std::move(why)});
  };
  if (reported.empty()) {
    std::vector<CacheLevel> assumed = {{1, "Data", assumed_size(1), 64, 8, 1},
                                       {1, "Instruction", assumed_size(1), 64, 8, 1},
                                       {2, "Unified", assumed_size(2), 64, 8, 1},
                                       {3, "Unified", assumed_size(3), 64, 16, 0}};
    for (const auto& c : assumed) {
      if (c.type == "Instruction") continue;
      note(c, "size", "nothing", format_bytes(static_cast<double>(c.size_bytes)),
           "neither hwloc nor sysfs describes the caches; an assumed hierarchy is used");
    }
    return assumed;
  }
  std::vector<CacheLevel> used;
  // A line size every level can fall back on: the first valid one reported.
  std::size_t line_fallback = 64;
  for (const auto& c : reported) {
    if (c.line_bytes >= 16 && c.line_bytes <= 1024 && power_of_two(c.line_bytes)) {
      line_fallback = c.line_bytes;
      break;
    }
  }
  std::size_t below = 0;  // the data size of the level below, as used
  for (CacheLevel c : reported) {
    const std::string size_text = format_bytes(static_cast<double>(c.size_bytes));
    if (!(c.line_bytes >= 16 && c.line_bytes <= 1024 && power_of_two(c.line_bytes))) {
      note(c, "line", std::to_string(c.line_bytes) + " B", std::to_string(line_fallback) + " B",
           "not a power of two from 16 to 1024 bytes");
      c.line_bytes = line_fallback;
    }
    if (c.type == "Instruction") {
      used.push_back(c);
      continue;
    }
    const std::size_t sharing = static_cast<std::size_t>(std::max(c.shared_by, 1));
    std::string why;
    if (c.level <= 1) {
      if (c.size_bytes < (std::size_t{2} << 10) || c.size_bytes > (std::size_t{1} << 20)) {
        why = "an L1 data cache outside 2 KiB to 1 MiB";
      }
    } else if (c.size_bytes / sharing > kMaxCachePerCpu) {
      why = "more than " + format_bytes(static_cast<double>(kMaxCachePerCpu)) + " per logical CPU sharing it (" +
            std::to_string(sharing) + "): no CPU has that";
    } else if (memory_bytes != 0 && c.size_bytes > memory_bytes / 8) {
      why = "more than an eighth of the machine's " + format_bytes(static_cast<double>(memory_bytes)) + " of memory";
    }
    if (why.empty() && below != 0 && c.size_bytes <= below) {
      note(c, "level", size_text, "left out",
           "not larger than the level below it (" + format_bytes(static_cast<double>(below)) + ")");
      continue;
    }
    if (!why.empty()) {
      const std::size_t fallback = std::max(assumed_size(c.level), 4 * below);
      note(c, "size", size_text, format_bytes(static_cast<double>(fallback)), why);
      c.size_bytes = fallback;
      c.ways = 0;  // reported for the size that was not used
    }
    if (c.ways == 0 && why.empty()) {
      note(c, "ways", "0", "unknown", "associativity not reported; a simulation chooses a valid one and records it");
    }
    below = c.size_bytes;
    used.push_back(c);
  }
  return used;
}

std::optional<std::size_t> parse_size(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  const std::size_t digits_start = i;
  std::size_t value = 0;
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    const std::size_t d = static_cast<std::size_t>(text[i] - '0');
    if (value > (kMax - d) / 10) return std::nullopt;
    value = value * 10 + d;
  }
  if (i == digits_start) return std::nullopt;
  std::string suffix;
  for (; i < text.size(); ++i) {
    if (!std::isspace(static_cast<unsigned char>(text[i]))) {
      suffix += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
    }
  }
  if (suffix.size() > 1 && suffix.back() == 'B') suffix.pop_back();  // "KB", "MiB"
  if (suffix.size() > 1 && suffix.back() == 'I') suffix.pop_back();
  std::size_t scale = 1;
  if (suffix.empty() || suffix == "B") scale = 1;
  else if (suffix == "K") scale = std::size_t{1} << 10;
  else if (suffix == "M") scale = std::size_t{1} << 20;
  else if (suffix == "G") scale = std::size_t{1} << 30;
  else return std::nullopt;
  if (value > kMax / scale) return std::nullopt;
  return value * scale;
}

std::vector<CacheLevel> read_caches(const std::string& root) {
  std::vector<CacheLevel> caches;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("index", 0) != 0) continue;
    CacheLevel c;
    c.level = static_cast<int>(to_size(read_line(entry.path() / "level")));
    c.type = read_line(entry.path() / "type").value_or("");
    c.size_bytes = to_size(read_line(entry.path() / "size"));
    c.line_bytes = to_size(read_line(entry.path() / "coherency_line_size"));
    c.ways = static_cast<int>(to_size(read_line(entry.path() / "ways_of_associativity")));
    if (c.level > 0 && c.size_bytes > 0) caches.push_back(c);
  }
  sort_caches(caches);
  return caches;
}

Machine describe_machine(const std::string& sysfs_root) {
  Machine m;
  m.isa = isa_name();
  hwloc_topology_t topo = nullptr;
  // A topology hwloc loaded from elsewhere (HWLOC_XMLFILE: another
  // machine's description) is not completed from this machine's sysfs.
  bool this_system = true;
  if (hwloc_topology_init(&topo) == 0) {
    hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_ALL);
    if (hwloc_topology_load(topo) == 0) {
      this_system = hwloc_topology_is_thissystem(topo) != 0;
      m.caches = hwloc_caches(topo);
      if (!m.caches.empty()) m.cache_source = "hwloc";
      m.logical_cpus = count_type(topo, HWLOC_OBJ_PU);
      m.cores = count_type(topo, HWLOC_OBJ_CORE);
      m.numa_nodes = count_type(topo, HWLOC_OBJ_NUMANODE);
      m.memory_bytes = static_cast<std::size_t>(hwloc_get_root_obj(topo)->total_memory);
      for (int i = 0; i < m.cores; ++i) {
        hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, static_cast<unsigned>(i));
        std::vector<int> cpus;
        for (int cpu = hwloc_bitmap_first(core->cpuset); cpu >= 0; cpu = hwloc_bitmap_next(core->cpuset, cpu)) {
          // hwloc's cpuset holds OS indexes of processing units
          cpus.push_back(cpu);
        }
        m.core_cpus.push_back(cpus);
      }
      hwloc_obj_t package = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
      const hwloc_obj_t info_objs[] = {package, hwloc_get_root_obj(topo)};
      for (hwloc_obj_t o : info_objs) {
        if (o == nullptr || !m.cpu_model.empty()) continue;
        if (const char* model = hwloc_obj_get_info_by_name(o, "CPUModel"); model && *model) {
          m.cpu_model = model;
          m.cpu_model_source = "hwloc CPUModel";
        } else if (const char* imp = hwloc_obj_get_info_by_name(o, "CPUImplementer")) {
          const char* part = hwloc_obj_get_info_by_name(o, "CPUPart");
          m.cpu_model = arm_cpu_name(imp, part ? part : "");
          if (!m.cpu_model.empty()) m.cpu_model_source = "hwloc CPUImplementer/CPUPart";
        }
      }
    }
    hwloc_topology_destroy(topo);
  }
  if (m.caches.empty()) {
    if (this_system) m.caches = read_caches(sysfs_root);
    m.cache_source = m.caches.empty() ? "unknown" : "sysfs";
  } else if (this_system) {
    // hwloc leaves ways unknown on some systems; sysfs may know them.
    const auto sysfs = read_caches(sysfs_root);
    for (auto& c : m.caches) {
      for (const auto& s : sysfs) {
        if (c.ways == 0 && s.level == c.level && s.type == c.type && s.size_bytes == c.size_bytes) {
          c.ways = s.ways;
        }
      }
    }
  }
  if (m.cpu_model.empty()) {
    if (std::string v = cpuinfo("model name"); !v.empty()) {
      m.cpu_model = v;
      m.cpu_model_source = "/proc/cpuinfo model name";
    } else if (std::string imp = cpuinfo("CPU implementer"); !imp.empty()) {
      m.cpu_model = arm_cpu_name(imp, cpuinfo("CPU part"));
      m.cpu_model_source = "/proc/cpuinfo CPU implementer/part";
    }
  }
  if (m.cpu_model.empty()) {
    m.cpu_model = "unknown " + m.isa + " CPU";
    m.cpu_model_source = "unknown";
  }
  if (m.logical_cpus == 0) m.logical_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  if (m.memory_bytes == 0) m.memory_bytes = meminfo_total();
  m.caches_reported = m.caches;
  m.caches = check_caches(m.caches_reported, m.memory_bytes, m.cache_notes);
  return m;
}

const Machine& this_machine() {
  static const Machine m = describe_machine();
  return m;
}

std::optional<CacheLevel> data_cache(const std::vector<CacheLevel>& caches, int level) {
  for (const auto& c : caches) {
    if (c.level == level && c.type != "Instruction") return c;
  }
  return std::nullopt;
}

std::optional<CacheLevel> last_level_cache(const std::vector<CacheLevel>& caches) {
  std::optional<CacheLevel> last;
  for (const auto& c : caches) {
    if (c.type != "Instruction" && (!last || c.level >= last->level)) last = c;
  }
  return last;
}

std::vector<int> core_siblings(const Machine& m, int cpu) {
  for (const auto& cpus : m.core_cpus) {
    if (std::find(cpus.begin(), cpus.end(), cpu) != cpus.end()) return cpus;
  }
  return {};
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown-host";
  return buf;
}

std::string kernel_release() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release;
}

namespace {

std::optional<std::size_t> meminfo_kib(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string k;
  std::size_t kib = 0;
  std::string rest;
  while (in >> k >> kib) {
    std::getline(in, rest);
    if (k == key) return kib * 1024;
  }
  return std::nullopt;
}

std::optional<std::size_t> read_number(const std::filesystem::path& path) {
  const auto line = read_line(path);
  if (!line || *line == "max") return std::nullopt;
  return parse_size(*line);
}

// The memory cgroup of this process: its limit less its usage (v2, else
// v1), or nullopt when unlimited or unknown.
std::optional<std::size_t> cgroup_headroom() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // "0::/path" (v2) or "N:memory:/path" (v1)
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    std::optional<std::size_t> limit, usage;
    if (controllers.empty()) {
      const std::filesystem::path dir = std::filesystem::path("/sys/fs/cgroup") / path.substr(1);
      limit = read_number(dir / "memory.max");
      usage = read_number(dir / "memory.current");
    } else if (controllers == "memory") {
      const std::filesystem::path dir = std::filesystem::path("/sys/fs/cgroup/memory") / path.substr(1);
      limit = read_number(dir / "memory.limit_in_bytes");
      usage = read_number(dir / "memory.usage_in_bytes");
      // v1 writes "no limit" as a huge number
      if (limit && *limit >= (std::size_t{1} << 60)) limit.reset();
    }
    if (limit) return *limit > usage.value_or(0) ? *limit - usage.value_or(0) : 0;
  }
  return std::nullopt;
}

}  // namespace

MemoryLimits memory_limits() {
  MemoryLimits m;
  m.available = meminfo_kib("/proc/meminfo", "MemAvailable:");
  m.cgroup = cgroup_headroom();
  rlimit rl{};
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    const std::size_t mapped = meminfo_kib("/proc/self/status", "VmSize:").value_or(0);
    const auto limit = static_cast<std::size_t>(rl.rlim_cur);
    m.address_space = limit > mapped ? limit - mapped : 0;
  }
  return m;
}

std::optional<std::size_t> MemoryLimits::usable() const {
  std::optional<std::size_t> least;
  for (const auto& v : {available, cgroup, address_space}) {
    if (v && (!least || *v < *least)) least = v;
  }
  return least;
}

std::string MemoryLimits::binding() const {
  const auto least = usable();
  if (!least) return "unknown";
  if (address_space == least) return "RLIMIT_AS (ulimit -v)";
  if (cgroup == least) return "cgroup memory limit";
  return "MemAvailable";
}

}  // namespace locality
