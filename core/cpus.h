// Which logical CPUs a run uses. The runner pins its main thread to one CPU
// so that the timed loops never migrate; cases that need threads of their
// own (false sharing, bandwidth against threads) place them on the other
// CPUs the run may use, other cores before hyperthread siblings.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace locality {

// Set by the runner: the CPU the main thread is pinned to (-1: not pinned)
// and every CPU the process may use.
void set_run_cpus(int pinned, std::vector<int> allowed);
int run_cpu();
const std::vector<int>& run_allowed_cpus();

// Up to `count` CPUs for helper threads, none of them the run's own CPU:
// CPUs of other cores first, then siblings of cores already used. Fewer
// when the run may not use that many.
std::vector<int> helper_cpus(std::size_t count);

// Empty when a second logical CPU is available to this run, else why not.
std::string second_cpu_unavailable();

// Pins the calling thread to `cpu` when cpu >= 0; false if that failed.
bool run_on(int cpu);

}  // namespace locality
