// Counts calls to the global operator new and operator delete (the C++
// counterpart of a logging global allocator). The replacement operators live
// in alloc_count.cc and are linked into every program that uses the cases.
#pragma once

#include <cstdint>

namespace locality {

struct AllocCounts {
  std::uint64_t allocations;
  std::uint64_t deallocations;
  std::uint64_t bytes;
};

// Totals since the program started, over all threads.
AllocCounts alloc_counts();

}  // namespace locality
