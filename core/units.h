// Formatting quantities for people: the one place that turns bytes into
// "32 KiB" on the C++ side (messages, --list, summaries).
#pragma once

#include <string>

namespace locality {

// 32768 -> "32 KiB", 1.5 * 2^30 -> "1.5 GiB", 100 -> "100 B".
std::string format_bytes(double bytes);

}  // namespace locality
