// Helper threads for the cases that need more than one core (false sharing,
// core-to-core latency, bandwidth against threads): each is pinned to a CPU
// of its own (other cores first, core/cpus.h) and waits, spinning, for the
// calling thread to hand out work; the calling thread takes part as worker
// 0. Spinning keeps the hand-over to a few hundred ns, small beside the
// work of one iteration.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace locality {

class Team {
 public:
  // `helpers` threads besides the caller; fewer CPUs than that: they share.
  explicit Team(std::size_t helpers);
  Team(const Team&) = delete;
  Team& operator=(const Team&) = delete;
  ~Team();

  // Runs work(0) on this thread and work(i) on helper i, i = 1 ... helpers,
  // at the same time; returns when every one has finished.
  void run(const std::function<void(std::size_t worker)>& work);

  std::size_t size() const { return threads_.size() + 1; }
  // The CPU of each helper (-1 where it could not be pinned).
  const std::vector<int>& cpus() const { return cpus_; }

 private:
  // Each signal on a cache line of its own, so that the team adds no sharing
  // to the lines the work is about.
  struct alignas(64) Signal {
    std::atomic<std::uint64_t> value{0};
  };
  Signal go_, done_, stop_;
  const std::function<void(std::size_t)>* work_ = nullptr;
  std::vector<std::thread> threads_;
  std::vector<int> cpus_;
};

}  // namespace locality
