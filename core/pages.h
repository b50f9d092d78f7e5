// Memory whose page size is part of the experiment: an anonymous mapping
// aligned to 2 MiB and advised, before its first touch, to be backed by
// transparent huge pages or never to be. What the kernel granted is read
// back (huge_bytes), since advice is only a request.
#pragma once

#include <cstddef>
#include <optional>

namespace locality {

class PageBuffer {
 public:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  // `bytes` usable bytes; the mapping is rounded up to whole huge pages.
  // Throws std::bad_alloc when the memory cannot be mapped.
  PageBuffer(std::size_t bytes, bool huge);
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  ~PageBuffer();

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  // Whether the system took the advice (false where there is none).
  bool advised() const { return advised_; }
  // Bytes of the buffer backed by huge pages after its first touch; call
  // after writing it. nullopt where the system does not say.
  std::optional<std::size_t> huge_bytes() const;

 private:
  void* raw_ = nullptr;
  std::size_t raw_bytes_ = 0;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  bool advised_ = false;
  bool mapped_ = false;
};

}  // namespace locality
