#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

#include "core/alloc_count.h"
#include "core/arena.h"
#include "core/pool.h"

namespace locality {
namespace {

using Interval = std::pair<std::uintptr_t, std::uintptr_t>;  // [begin, end)

void expect_disjoint(std::vector<Interval> v) {
  std::sort(v.begin(), v.end());
  for (std::size_t i = 1; i < v.size(); ++i) {
    EXPECT_LE(v[i - 1].second, v[i].first) << "allocations " << i - 1 << " and " << i << " overlap";
  }
}

std::uintptr_t addr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST(BumpArena, HonoursEveryPowerOfTwoAlignmentUpTo4096WithinBounds) {
  BumpArena arena(1 << 20);
  std::vector<Interval> given;
  for (std::size_t align = 1; align <= 4096; align *= 2) {
    for (std::size_t bytes : {1u, 3u, 17u, 100u}) {
      void* p = arena.allocate(bytes, align);
      EXPECT_EQ(addr(p) % align, 0u) << "align " << align << " bytes " << bytes;
      EXPECT_GE(addr(p), addr(arena.begin()));
      EXPECT_LE(addr(p) + bytes, addr(arena.end()));
      given.emplace_back(addr(p), addr(p) + bytes);
    }
  }
  expect_disjoint(given);
}

TEST(BumpArena, PacksConsecutiveAllocationsBackToBack) {
  BumpArena arena(4096);
  char* a = static_cast<char*>(arena.allocate(16, 8));
  char* b = static_cast<char*>(arena.allocate(16, 8));
  EXPECT_EQ(b - a, 16);
  EXPECT_EQ(arena.used(), 32u);
}

TEST(BumpArena, ThrowsWhenExhaustedAndNeverOverruns) {
  BumpArena arena(1000);  // rounded up to a multiple of 64
  std::size_t count = 0;
  EXPECT_THROW(
      for (;;) {
        void* p = arena.allocate(24, 8);
        ASSERT_LE(addr(p) + 24, addr(arena.end()));
        ++count;
      },
      std::bad_alloc);
  EXPECT_EQ(count, arena.capacity() / 24);
  EXPECT_LE(arena.used(), arena.capacity());
  EXPECT_THROW(arena.allocate(arena.capacity() + 1), std::bad_alloc);
}

TEST(BumpArena, HugeRequestDoesNotWrapAround) {
  BumpArena arena(4096);
  EXPECT_THROW(arena.allocate(SIZE_MAX - 8, 8), std::bad_alloc);
  EXPECT_THROW(arena.allocate(64, std::size_t{1} << 62), std::bad_alloc);
}

TEST(BumpArena, ResetReusesTheBufferFromTheStart) {
  BumpArena arena(256);
  void* first = arena.allocate(64, 64);
  arena.allocate(64, 64);
  arena.reset();
  EXPECT_EQ(arena.used(), 0u);
  EXPECT_EQ(arena.allocate(64, 64), first);
}

TEST(FixedPool, EveryBlockAlignedForEveryPowerOfTwoUpTo4096) {
  for (std::size_t align = 1; align <= 4096; align *= 2) {
    FixedPool pool(24, align, 16);
    EXPECT_EQ(pool.block_bytes() % std::max<std::size_t>(align, alignof(void*)), 0u);
    EXPECT_GE(pool.block_bytes(), 24u);
    std::vector<Interval> given;
    for (int i = 0; i < 16; ++i) {
      void* p = pool.allocate();
      EXPECT_EQ(addr(p) % align, 0u) << "align " << align;
      EXPECT_TRUE(pool.owns(p));
      given.emplace_back(addr(p), addr(p) + pool.block_bytes());
    }
    expect_disjoint(given);
  }
}

TEST(FixedPool, FreshPoolHandsOutAdjacentBlocksInAddressOrder) {
  FixedPool pool(16, 8, 8);
  char* prev = static_cast<char*>(pool.allocate());
  for (int i = 1; i < 8; ++i) {
    char* p = static_cast<char*>(pool.allocate());
    EXPECT_EQ(p - prev, 16);
    prev = p;
  }
}

TEST(FixedPool, ThrowsWhenExhaustedAndReusesFreedBlocks) {
  FixedPool pool(32, 16, 4);
  std::vector<void*> blocks;
  for (int i = 0; i < 4; ++i) blocks.push_back(pool.allocate());
  EXPECT_EQ(pool.in_use(), 4u);
  EXPECT_THROW(pool.allocate(), std::bad_alloc);
  pool.deallocate(blocks[2]);
  EXPECT_EQ(pool.in_use(), 3u);
  EXPECT_EQ(pool.allocate(), blocks[2]);
  EXPECT_THROW(pool.allocate(), std::bad_alloc);
}

TEST(FixedPool, ResetFreesEveryBlock) {
  FixedPool pool(8, 8, 3);
  void* first = pool.allocate();
  pool.allocate();
  pool.allocate();
  pool.reset();
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_EQ(pool.allocate(), first);
  EXPECT_FALSE(pool.owns(static_cast<char*>(first) + 1));
}

TEST(AllocCount, CountsGlobalNewAndDelete) {
  const AllocCounts before = alloc_counts();
  // The pointers must escape: C++14 lets the compiler delete a new/delete
  // pair whose result is unused, and GCC does.
  int* p = new int(7);
  auto* arr = new double[10];
  benchmark::DoNotOptimize(p);
  benchmark::DoNotOptimize(arr);
  const AllocCounts mid = alloc_counts();
  delete p;
  delete[] arr;
  const AllocCounts after = alloc_counts();
  EXPECT_EQ(mid.allocations - before.allocations, 2u);
  EXPECT_GE(mid.bytes - before.bytes, sizeof(int) + 10 * sizeof(double));
  EXPECT_EQ(after.deallocations - before.deallocations, 2u);
}

TEST(AllocCount, ArenaTakesOneAllocationAndItsNodesNone) {
  const AllocCounts before = alloc_counts();
  {
    BumpArena arena(1 << 16);
    for (int i = 0; i < 1000; ++i) arena.allocate(16, 8);
  }
  const AllocCounts after = alloc_counts();
  EXPECT_EQ(after.allocations - before.allocations, 1u);
  EXPECT_EQ(after.deallocations - before.deallocations, 1u);
}

}  // namespace
}  // namespace locality
