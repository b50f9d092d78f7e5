// Result files: named after the host and the UTC start time, written to a
// temporary file in the same folder and then linked into place, so a reader
// never sees half a file and an existing file is never replaced.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace locality {

// "20261125T140903Z"
std::string utc_stamp(std::chrono::system_clock::time_point t);
// "2026-11-25T14:09:03Z"
std::string utc_iso(std::chrono::system_clock::time_point t);

// <dir>/<host>-<stamp>.json, with the host reduced to [A-Za-z0-9._-].
std::filesystem::path default_result_path(const std::filesystem::path& dir,
                                          const std::string& host, const std::string& stamp);

// Throws std::runtime_error, naming the path and the reason, unless a new
// file can be created at `path`: its folder is created if missing, must be
// writable, and the file itself must not exist yet.
void check_can_create(const std::filesystem::path& path);

// Writes `content` to a new file at `path`; throws std::runtime_error if the
// file exists or cannot be written. Nothing is left behind on failure.
void write_new_file(const std::filesystem::path& path, const std::string& content);

}  // namespace locality
