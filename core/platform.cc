#include "core/platform.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#if defined(__linux__)
#include <malloc.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <mach-o/dyld.h>
#include <malloc/malloc.h>
#endif

namespace locality {

void trim_heap() {
#if defined(__GLIBC__)
  // Consolidates freed chunks and gives memory back: otherwise the next
  // large malloc pays for consolidating millions of freed nodes inside a
  // timed loop, and the next "fresh" heap remembers the old node order.
  malloc_trim(0);
#endif
}

std::size_t allocation_footprint(std::size_t bytes) {
#if defined(__GLIBC__)
  void* p = std::malloc(bytes);
  // glibc keeps an 8-byte size field before every chunk.
  const std::size_t footprint = malloc_usable_size(p) + sizeof(std::size_t);
  std::free(p);
  return footprint;
#elif defined(__APPLE__)
  return malloc_good_size(bytes);
#else
  return (bytes + 15) / 16 * 16;
#endif
}

bool advise_huge_pages(void* p, std::size_t bytes, bool huge) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  return madvise(p, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) == 0;
#else
  (void)p;
  (void)bytes;
  (void)huge;
  return false;
#endif
}

std::optional<std::size_t> anon_huge_bytes(const std::string& smaps, std::uintptr_t address) {
  std::istringstream in(smaps);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    // A mapping's header: "start-end perms offset dev inode [path]", in hex.
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space &&
        line.find_first_not_of("0123456789abcdef") == dash) {
      const std::uintptr_t start = std::stoull(line.substr(0, dash), nullptr, 16);
      const std::uintptr_t end = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
      inside = start <= address && address < end;
      continue;
    }
    if (inside && line.rfind("AnonHugePages:", 0) == 0) {
      std::istringstream fields(line.substr(14));
      std::size_t kib = 0;
      if (!(fields >> kib)) return std::nullopt;
      return kib * 1024;
    }
  }
  return std::nullopt;
}

std::optional<std::size_t> huge_page_bytes(const void* address) {
  std::ifstream in("/proc/self/smaps");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return anon_huge_bytes(text.str(), reinterpret_cast<std::uintptr_t>(address));
}

std::string executable_path() {
#if defined(__linux__)
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
#elif defined(__APPLE__)
  char buf[4096];
  std::uint32_t size = sizeof buf;
  return _NSGetExecutablePath(buf, &size) == 0 ? std::string(buf) : std::string();
#else
  return {};
#endif
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
#endif
  return cpus;
}

int current_cpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

bool pin_this_thread(int cpu) {
#if defined(__linux__)
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
#else
  (void)cpu;
  return false;
#endif
}

bool unpin_this_thread(const std::vector<int>& cpus) {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) {
    if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
  }
  return !cpus.empty() && sched_setaffinity(0, sizeof set, &set) == 0;
#else
  (void)cpus;
  return false;
#endif
}

}  // namespace locality
