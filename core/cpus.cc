#include "core/cpus.h"

#include <algorithm>
#include <thread>

#include "core/machine.h"
#include "core/platform.h"

namespace locality {
namespace {

int g_pinned = -1;
std::vector<int>& allowed_slot() {
  static std::vector<int> cpus = allowed_cpus();
  return cpus;
}

}  // namespace

void set_run_cpus(int pinned, std::vector<int> allowed) {
  g_pinned = pinned;
  allowed_slot() = std::move(allowed);
}

int run_cpu() { return g_pinned; }

const std::vector<int>& run_allowed_cpus() { return allowed_slot(); }

std::vector<int> helper_cpus(std::size_t count) {
  const auto& allowed = run_allowed_cpus();
  const Machine& m = this_machine();
  std::vector<int> used_cores;  // indexes into m.core_cpus
  auto core_of = [&m](int cpu) {
    for (std::size_t i = 0; i < m.core_cpus.size(); ++i) {
      if (std::find(m.core_cpus[i].begin(), m.core_cpus[i].end(), cpu) != m.core_cpus[i].end()) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  if (g_pinned >= 0) used_cores.push_back(core_of(g_pinned));
  std::vector<int> picked;
  // Other cores first, then siblings.
  for (int pass = 0; pass < 2 && picked.size() < count; ++pass) {
    for (int cpu : allowed) {
      if (picked.size() >= count) break;
      if (cpu == g_pinned || std::find(picked.begin(), picked.end(), cpu) != picked.end()) continue;
      const int core = core_of(cpu);
      const bool new_core = core < 0 || std::find(used_cores.begin(), used_cores.end(), core) == used_cores.end();
      if (pass == 0 && !new_core) continue;
      picked.push_back(cpu);
      used_cores.push_back(core);
    }
  }
  return picked;
}

std::string second_cpu_unavailable() {
  const std::size_t cpus = run_allowed_cpus().empty() ? std::thread::hardware_concurrency()
                                                      : run_allowed_cpus().size();
  return cpus >= 2 ? "" : "needs two logical CPUs; this run may use one";
}

bool run_on(int cpu) { return cpu < 0 || pin_this_thread(cpu); }

}  // namespace locality
