// stack_array: an int array with automatic storage. Stack memory is ordinary
// memory: once the array is in place, a traversal costs exactly what the same
// traversal of a heap vector costs. A plot shows this family on top of
// heap_vector at every size. Arrays larger than fits comfortably on a default
// stack are placed on the stack of a thread created with a stack big enough
// for them; the entry says so in its `big_stack_thread` counter.
#include <alloca.h>
#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "core/family.h"
#include "core/fixture.h"
#include "core/kernels.h"
#include "core/timing.h"

namespace locality {
namespace {

// Room we allow an array on the calling thread's stack: half of the default
// 8 MiB (or of a smaller limit), leaving space for the frames above us.
std::size_t stack_room() {
  std::size_t limit = 8u << 20;
  rlimit rl{};
  if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    limit = std::min<std::size_t>(limit, rl.rlim_cur);
  }
  return limit / 2;
}

// Builds the array in this frame and runs the timed loop over it.
void sum_in_this_frame(benchmark::State& state, std::size_t n) {
  int* a = static_cast<int*>(alloca(n * sizeof(int)));
  for (std::size_t i = 0; i < n; ++i) a[i] = element_value(i);
  time_traversal(state, {n, n * sizeof(int)}, [a, n] {
    const int* data = a;
    escape(data);
    return kernels::sum_ints(data, n);
  });
}

struct ThreadArgs {
  benchmark::State* state;
  std::size_t n;
};

void* thread_main(void* p) {
  auto* args = static_cast<ThreadArgs*>(p);
  sum_in_this_frame(*args->state, args->n);
  return nullptr;
}

// The same kernel over heap_vector's vector, timed in this family's
// interleaved rounds: the claim compares the stack with the heap at one
// moment of a shared machine, not minutes apart in two families.
void vector_sum(benchmark::State& state, std::size_t n) {
  const auto& v = int_vector(n);
  time_traversal(state, {n, n * sizeof(int)}, [&v, n] {
    const int* data = v.data();
    escape(data);
    return kernels::sum_ints(data, n);
  });
}

void sum(benchmark::State& state, std::size_t n) {
  const std::size_t bytes = n * sizeof(int);
  Fixtures::make_room(bytes);  // the array is not kept: room for it
  const bool big = bytes > stack_room();
  if (!big) {
    sum_in_this_frame(state, n);
  } else {
    // The whole timed loop runs on the new thread, so the timer starts and
    // stops on the thread that does the work; this thread only waits.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, bytes + (4u << 20));
    ThreadArgs args{&state, n};
    pthread_t thread;
    const int rc = pthread_create(&thread, &attr, &thread_main, &args);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      state.SkipWithError(("cannot create a thread with a stack of " + std::to_string(bytes) +
                           " bytes: " + std::strerror(rc))
                              .c_str());
      return;
    }
    pthread_join(thread, nullptr);
  }
  state.counters["big_stack_thread"] = big ? 1 : 0;
}

const bool kRegistered = add_family({
    .name = "stack_array",
    .title = "An array on the stack",
    .order = 10,
    .demonstrates = "An int array with automatic storage (alloca in the frame that runs the loop); "
                    "arrays over half the default 8 MiB stack run on a thread created with a stack "
                    "big enough for them. Summed with the same vector kernel as heap_vector.",
    .expected = "The same time per int as heap_vector at every size: where memory comes from does "
                "not matter once the elements are contiguous.",
    .unit = {"int", sizeof(int)},
    .size_name = "ints",
    .cases = {{.name = "sum", .summary = "sum all elements of an array on the stack in order",
               .peak_bytes_per_element = 4, .fn = &sum, .label = "stack array", .role = Role::layout,
               .simulated_by_default = true,
               .model = {.kind = "stream", .bytes = sizeof(int), .stride = sizeof(int), .tolerance = 0.5,
                         .parts = "where the sum draws fewer bytes per second than the read kernel"}},
              {.name = "vector_sum",
               .summary = "the same sum over heap_vector's std::vector, timed in this family's rounds",
               .peak_bytes_per_element = 4, .fn = &vector_sum, .label = "heap vector (same rounds)",
               .model = {.kind = "stream", .bytes = sizeof(int), .stride = sizeof(int), .tolerance = 0.5,
                         .parts = "where the sum draws fewer bytes per second than the read kernel"}}},
    .claims = {{.kind = "ratio",
                .says = "the stack array costs what the vector, timed in the same rounds, costs, within 25%, "
                        "at every size",
                .cases = {"sum", "vector_sum"}, .min = 0.8, .max = 1.25, .every = true}},
    .statistic = Statistic::minimum,
});

}  // namespace
}  // namespace locality
