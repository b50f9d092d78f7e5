// Result files: named after the host and the UTC start time, written to a
// temporary file in the same folder and then linked into place, so a reader
// never sees half a file and an existing file is never replaced. The one
// place that names and writes result files, for bench_all and for the
// Python module alike.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace locality {

// Thrown where the file to write exists already (result files are never
// overwritten); the Python module raises it as FileExistsError.
struct FileExists : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "20261125T140903Z"
std::string utc_stamp(std::chrono::system_clock::time_point t);
// "2026-11-25T14:09:03Z"
std::string utc_iso(std::chrono::system_clock::time_point t);

// <dir>/<host>-<stamp>.json, with the host reduced to [A-Za-z0-9._-].
std::filesystem::path default_result_path(const std::filesystem::path& dir, const std::string& host,
                                          const std::string& stamp);

// Throws std::runtime_error, naming the path and the reason, unless a new
// file can be created at `path`: its folder is created if missing, must be
// writable, and the path must not exist yet (nor be a folder).
void check_can_create(const std::filesystem::path& path);

// Writes `content` to a new file at `path`; throws std::runtime_error if the
// file exists or cannot be written. Nothing is left behind on failure.
// With `next_free_name`, an existing `path` is no error: the content goes
// to the first free name <stem>-2.json, <stem>-3.json ... instead (two runs
// started in the same second). Returns the path written.
std::filesystem::path write_new_file(const std::filesystem::path& path, const std::string& content,
                                     bool next_free_name = false);

// Replaces the content of a file this program made itself (a run's
// journal) atomically: a temporary file beside it, renamed over it, so a
// reader sees the old content or the new, never half of one.
void rewrite_own_file(const std::filesystem::path& path, const std::string& content);

// Writes a run's measurements, which must not be lost: to `path` (as
// write_new_file), and when that fails, to a fallback file beside it
// (<stem>.<pid>.json), then in the temporary folder. `failure` says why
// `path` could not be written; empty when it was.
struct SavedResult {
  std::filesystem::path written;  // empty when nothing could be written
  std::string failure;
};
SavedResult save_result(const std::filesystem::path& path, const std::string& content, bool default_name);

}  // namespace locality
