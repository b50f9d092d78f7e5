// The operating-system and C-library calls the suite needs that are not
// portable, each with its behaviour defined where the call does not exist:
// Linux with glibc has them all; elsewhere (macOS, musl) a function says it
// could not do what was asked, and the caller skips or records that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace locality {

// Gives freed heap memory back to the system and consolidates free chunks
// (glibc's malloc_trim); a no-op where the allocator has no such call.
void trim_heap();

// Bytes a separate allocation of `bytes` really occupies: usable size plus
// the allocator's header where the allocator says (glibc, macOS); else
// `bytes` rounded up to 16, a lower bound.
std::size_t allocation_footprint(std::size_t bytes);

// Asks the kernel to back [p, p + bytes) with transparent huge pages (true)
// or never to (false). Returns false where the system has no such advice.
bool advise_huge_pages(void* p, std::size_t bytes, bool huge);

// The AnonHugePages bytes of the mapping in `smaps` (the text of
// /proc/<pid>/smaps) that contains `address`; nullopt when no mapping
// contains it or the mapping has no AnonHugePages line.
std::optional<std::size_t> anon_huge_bytes(const std::string& smaps, std::uintptr_t address);

// The same for this process, now; nullopt where there is no smaps (not
// Linux) or it cannot be read.
std::optional<std::size_t> huge_page_bytes(const void* address);

// This program's own path, to run it again (under valgrind); empty when the
// system does not say.
std::string executable_path();

// The logical CPUs this process may run on (empty where the system does
// not say), the one this thread runs on now (-1: unknown), and pinning the
// calling thread to one of them (false where affinity cannot be set).
std::vector<int> allowed_cpus();
int current_cpu();
bool pin_this_thread(int cpu);
// Lets the calling thread run on every CPU in `cpus` again.
bool unpin_this_thread(const std::vector<int>& cpus);

}  // namespace locality
