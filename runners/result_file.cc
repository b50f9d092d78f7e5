#include "runners/result_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace locality {
namespace {

std::string format_utc(std::chrono::system_clock::time_point t, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int err) {
  throw std::runtime_error("cannot write result file " + path.string() + ": " + what +
                           (err != 0 ? std::string(" (") + std::strerror(err) + ")" : ""));
}

// Creates a uniquely named temporary file beside `path`; returns its fd.
int open_temp(const std::filesystem::path& path, std::string& temp_name) {
  std::string pattern = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
  int fd = mkstemp(pattern.data());
  temp_name = pattern;
  return fd;
}

std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

}  // namespace

std::string utc_stamp(std::chrono::system_clock::time_point t) {
  return format_utc(t, "%Y%m%dT%H%M%SZ");
}

std::string utc_iso(std::chrono::system_clock::time_point t) {
  return format_utc(t, "%Y-%m-%dT%H:%M:%SZ");
}

std::filesystem::path default_result_path(const std::filesystem::path& dir,
                                          const std::string& host, const std::string& stamp) {
  std::string safe;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    safe += ok ? c : '_';
  }
  if (safe.empty() || safe[0] == '.') safe = "host" + safe;
  return dir / (safe + "-" + stamp + ".json");
}

void check_can_create(const std::filesystem::path& path) {
  const std::filesystem::path folder = folder_of(path);
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) fail(path, "cannot create folder " + folder.string() + ": " + ec.message(), 0);
  if (!std::filesystem::is_directory(folder)) fail(path, folder.string() + " is not a folder", 0);
  if (std::filesystem::exists(path, ec)) {
    fail(path, "the file exists already; result files are never overwritten", 0);
  }
  std::string temp;
  const int fd = open_temp(folder / path.filename(), temp);
  if (fd < 0) fail(path, "folder " + folder.string() + " is not writable", errno);
  close(fd);
  unlink(temp.c_str());
}

void write_new_file(const std::filesystem::path& path, const std::string& content) {
  std::string temp;
  const int fd = open_temp(folder_of(path) / path.filename(), temp);
  if (fd < 0) fail(path, "cannot create a temporary file", errno);
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      close(fd);
      unlink(temp.c_str());
      fail(path, "write failed", err);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  fchmod(fd, 0644);  // mkstemp creates 0600; results are meant to be shared
  if (fsync(fd) != 0 || close(fd) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    fail(path, "flush failed", err);
  }
  // link() fails if the target exists, unlike rename(): no overwrite, ever.
  if (link(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    fail(path, err == EEXIST ? "the file exists already; result files are never overwritten"
                             : "cannot move the temporary file into place",
         err == EEXIST ? 0 : err);
  }
  unlink(temp.c_str());
}

}  // namespace locality
