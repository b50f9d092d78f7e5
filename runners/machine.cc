#include "runners/machine.h"

#include "cases/family.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  if (!text) return 0;
  return parse_size(*text).value_or(0);
}

}  // namespace

std::optional<std::size_t> parse_size(const std::string& text) {
  std::size_t pos = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &pos);
  } catch (...) {
    return std::nullopt;
  }
  std::string suffix = text.substr(pos);
  suffix.erase(std::remove_if(suffix.begin(), suffix.end(),
                              [](unsigned char c) { return std::isspace(c); }),
               suffix.end());
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (suffix.size() > 1 && (suffix.back() == 'B')) suffix.pop_back();  // "KB", "MiB"
  if (suffix.size() > 1 && (suffix.back() == 'I')) suffix.pop_back();
  std::size_t scale = 1;
  if (suffix.empty() || suffix == "B") scale = 1;
  else if (suffix == "K") scale = std::size_t{1} << 10;
  else if (suffix == "M") scale = std::size_t{1} << 20;
  else if (suffix == "G") scale = std::size_t{1} << 30;
  else return std::nullopt;
  return static_cast<std::size_t>(value) * scale;
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
  std::sort(caches.begin(), caches.end(), [](const CacheLevel& a, const CacheLevel& b) {
    return a.level != b.level ? a.level < b.level : a.type < b.type;
  });
  return caches;
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

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        return v;
      }
    }
  }
  return "unknown";
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

std::optional<std::size_t> mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string unit;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return std::nullopt;
}

std::vector<std::size_t> size_ladder(std::size_t llc_bytes, bool quick) {
  const std::size_t llc_ints = std::max<std::size_t>(llc_bytes / sizeof(int), 1024);
  if (quick) {
    // 16 KiB (in any L1), 256 KiB (in L2 on most machines), a quarter of the
    // last level, and the first size beyond it.
    const std::size_t beyond = round_up_pow2(llc_ints + 1);
    std::vector<std::size_t> q = {4096, 65536, std::max<std::size_t>(llc_ints / 4, 131072), beyond};
    std::sort(q.begin(), q.end());
    q.erase(std::unique(q.begin(), q.end()), q.end());
    return q;
  }
  const std::size_t top = round_up_pow2(4 * llc_ints);
  std::vector<std::size_t> ladder;
  for (std::size_t n = 1024; n < top; n *= 4) ladder.push_back(n);
  ladder.push_back(top);
  return ladder;
}

}  // namespace locality
