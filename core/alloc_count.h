// Counts calls to the global operator new and operator delete (the C++
// counterpart of a logging global allocator). The replacement operators live
// in alloc_count.cc and are linked into every program that uses the cases.
//
// The counts are per thread and plain (no atomic, no lock): counting adds
// one increment of a thread-local integer to a timed new/delete pair, where
// a shared atomic counter cost locked read-modify-writes of one cache line.
// A build with LOCALITY_COUNT_ALLOCATIONS=OFF leaves counting out entirely,
// to show that it does not change what new/delete costs.
#pragma once

#include <cstdint>

namespace locality {

struct AllocCounts {
  std::uint64_t allocations;
  std::uint64_t deallocations;
  std::uint64_t bytes;
};

// Totals since the calling thread started (zero when counting is compiled
// out; see counting_allocations()).
AllocCounts alloc_counts();

// False in a build without allocation counting.
bool counting_allocations();

}  // namespace locality
