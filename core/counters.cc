#include "core/counters.h"

#include "core/alloc_count.h"

namespace locality {
namespace {

class NoneBackend final : public CounterBackend {
 public:
  std::string name() const override { return "none"; }
  void start() override {}
  void stop() override {}
  std::vector<Reading> read() override { return {}; }
};

std::unique_ptr<CounterBackend>& backend_slot() {
  static std::unique_ptr<CounterBackend> backend = make_none_backend();
  return backend;
}

}  // namespace

std::unique_ptr<CounterBackend> make_none_backend() { return std::make_unique<NoneBackend>(); }

CounterBackend& counter_backend() { return *backend_slot(); }

void set_counter_backend(std::unique_ptr<CounterBackend> backend) {
  backend_slot() = backend ? std::move(backend) : make_none_backend();
}

CounterScope::CounterScope(benchmark::State& state, Workload workload,
                           const std::function<void()>& warm_up)
    : state_(state), workload_(workload) {
  CounterBackend& backend = counter_backend();
  if (warm_up && backend.needs_warm_up()) {
    backend.begin_warm_up();
    warm_up();
  }
  allocations_at_start_ = alloc_counts().allocations;
  backend.start();
}

CounterScope::~CounterScope() {
  CounterBackend& backend = counter_backend();
  backend.stop();
  const std::uint64_t allocations = alloc_counts().allocations - allocations_at_start_;
  const double iterations = static_cast<double>(state_.iterations());
  const double elements = static_cast<double>(workload_.elements);
  state_.counters["elements"] = elements;
  state_.counters["working_set_bytes"] = static_cast<double>(workload_.working_set_bytes);
  if (counting_allocations()) {
    state_.counters["allocs_per_iter"] =
        benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  }
  state_.SetBytesProcessed(static_cast<std::int64_t>(iterations) *
                           static_cast<std::int64_t>(workload_.working_set_bytes));
  if (iterations == 0 || elements == 0) return;
  for (const Reading& r : backend.read()) {
    state_.counters[r.name + "_per_elem"] =
        benchmark::Counter(r.value / elements, benchmark::Counter::kAvgIterations);
  }
}

}  // namespace locality
