#include "core/team.h"

#include "core/cpus.h"

namespace locality {

Team::Team(std::size_t helpers) {
  const std::vector<int> cpus = helper_cpus(helpers);
  for (std::size_t i = 0; i < helpers; ++i) {
    const int cpu = i < cpus.size() ? cpus[i] : -1;
    cpus_.push_back(cpu);
    threads_.emplace_back([this, i, cpu] {
      run_on(cpu);
      std::uint64_t seen = 0;
      for (;;) {
        std::uint64_t g;
        while ((g = go_.value.load(std::memory_order_acquire)) == seen) {
          if (stop_.value.load(std::memory_order_relaxed)) return;
        }
        seen = g;
        (*work_)(i + 1);
        done_.value.fetch_add(1, std::memory_order_acq_rel);
      }
    });
  }
}

Team::~Team() {
  stop_.value.store(1, std::memory_order_relaxed);
  for (auto& t : threads_) t.join();
}

void Team::run(const std::function<void(std::size_t)>& work) {
  work_ = &work;
  const std::uint64_t before = done_.value.load(std::memory_order_acquire);
  go_.value.fetch_add(1, std::memory_order_acq_rel);
  work(0);
  while (done_.value.load(std::memory_order_acquire) != before + threads_.size()) {
  }
}

}  // namespace locality
