// What the kernel granted a mapping, from /proc/self/smaps: the tlb family
// reports whether transparent huge pages really backed its buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace locality {

// The AnonHugePages bytes of the mapping in `smaps` (the text of
// /proc/<pid>/smaps) that contains `address`; nullopt when no mapping
// contains it or the mapping has no AnonHugePages line.
std::optional<std::size_t> anon_huge_bytes(const std::string& smaps, std::uintptr_t address);

// The same for this process, read now.
std::optional<std::size_t> anon_huge_bytes_now(const void* address);

}  // namespace locality
