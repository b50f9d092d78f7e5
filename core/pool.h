// A fixed-size pool: one buffer cut into equal blocks, free blocks threaded
// into a singly linked free list. Allocation and deallocation are O(1) and
// the blocks of a fresh pool come out adjacent, in address order. This is the
// classic per-container node allocator.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <new>

namespace locality {

class FixedPool {
 public:
  // `block_bytes` is rounded up to a multiple of `block_align` (a power of
  // two) and to at least one pointer, which the free list needs.
  FixedPool(std::size_t block_bytes, std::size_t block_align,
            std::size_t block_count)
      : block_align_(block_align < alignof(FreeBlock) ? alignof(FreeBlock) : block_align),
        block_bytes_(round_up(block_bytes < sizeof(FreeBlock) ? sizeof(FreeBlock) : block_bytes,
                              block_align_)),
        block_count_(block_count) {
    assert((block_align_ & (block_align_ - 1)) == 0 && "alignment must be a power of two");
    if (block_count_ == 0) block_count_ = 1;
    // From the global operator new, so the allocation counter sees it.
    base_ = static_cast<std::byte*>(
        ::operator new(block_bytes_ * block_count_, std::align_val_t{block_align_}));
    reset();
  }
  FixedPool(const FixedPool&) = delete;
  FixedPool& operator=(const FixedPool&) = delete;
  ~FixedPool() { ::operator delete(base_, std::align_val_t{block_align_}); }

  // Returns one block, or throws std::bad_alloc when every block is in use.
  void* allocate() {
    if (free_ == nullptr) throw std::bad_alloc();
    FreeBlock* block = free_;
    free_ = block->next;
    ++in_use_;
    return block;
  }

  // Returns a block obtained from allocate() on this pool.
  void deallocate(void* p) {
    assert(owns(p) && "pointer does not come from this pool");
    auto* block = static_cast<FreeBlock*>(p);
    block->next = free_;
    free_ = block;
    --in_use_;
  }

  // Makes every block free again, in address order.
  void reset() {
    free_ = nullptr;
    for (std::size_t i = block_count_; i-- > 0;) {
      auto* block = reinterpret_cast<FreeBlock*>(base_ + i * block_bytes_);
      block->next = free_;
      free_ = block;
    }
    in_use_ = 0;
  }

  bool owns(const void* p) const {
    const auto* b = static_cast<const std::byte*>(p);
    return b >= base_ && b < base_ + block_bytes_ * block_count_ &&
           static_cast<std::size_t>(b - base_) % block_bytes_ == 0;
  }

  std::size_t block_bytes() const { return block_bytes_; }
  std::size_t block_count() const { return block_count_; }
  std::size_t in_use() const { return in_use_; }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  static constexpr std::size_t round_up(std::size_t v, std::size_t a) {
    return (v + a - 1) / a * a;
  }

  std::size_t block_align_;
  std::size_t block_bytes_;
  std::size_t block_count_;
  std::byte* base_ = nullptr;
  FreeBlock* free_ = nullptr;
  std::size_t in_use_ = 0;
};

}  // namespace locality
