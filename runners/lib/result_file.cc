#include "runners/lib/result_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

constexpr const char* kExists = "the file exists already; result files are never overwritten";

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int err) {
  const std::string message = "cannot write result file " + path.string() + ": " + what +
                              (err != 0 ? std::string(" (") + std::strerror(err) + ")" : "");
  if (what == kExists) throw FileExists(message);
  throw std::runtime_error(message);
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

// Blocks SIGINT, SIGTERM and SIGHUP while alive: a signal during the write
// then arrives after the temporary file is linked or removed, never between.
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalsHeld() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t old_;
};

// The temporary file with `content`, flushed; throws on failure.
std::string write_temp(const std::filesystem::path& path, const std::string& content) {
  std::string temp;
  const int fd = open_temp(folder_of(path) / path.filename(), temp);
  if (fd < 0) fail(path, "cannot create a temporary file in " + folder_of(path).string(), errno);
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
  return temp;
}

std::filesystem::path numbered(const std::filesystem::path& path, int k) {
  return path.parent_path() / (path.stem().string() + "-" + std::to_string(k) + path.extension().string());
}

}  // namespace

std::string utc_stamp(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y%m%dT%H%M%SZ"); }

std::string utc_iso(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::filesystem::path default_result_path(const std::filesystem::path& dir, const std::string& host,
                                          const std::string& stamp) {
  std::string safe;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    safe += ok ? c : '_';
  }
  if (safe.empty() || safe[0] == '.') safe = "host" + safe;
  return dir / (safe + "-" + stamp + ".json");
}

void check_can_create(const std::filesystem::path& path) {
  const std::filesystem::path folder = folder_of(path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "it is a folder; give a file name", 0);
  std::filesystem::create_directories(folder, ec);
  if (ec) fail(path, "cannot create folder " + folder.string() + ": " + ec.message(), 0);
  if (!std::filesystem::is_directory(folder)) fail(path, folder.string() + " is not a folder", 0);
  if (std::filesystem::exists(path, ec) || std::filesystem::is_symlink(path, ec)) {
    fail(path, kExists, 0);
  }
  std::string temp;
  const int fd = open_temp(folder / path.filename(), temp);
  if (fd < 0) fail(path, "folder " + folder.string() + " is not writable", errno);
  close(fd);
  unlink(temp.c_str());
}

std::filesystem::path write_new_file(const std::filesystem::path& path, const std::string& content,
                                     bool next_free_name) {
  SignalsHeld held;
  const std::string temp = write_temp(path, content);
  // link() fails if the target exists, unlike rename(): no overwrite, ever.
  std::filesystem::path target = path;
  for (int k = 2;; ++k) {
    if (link(temp.c_str(), target.c_str()) == 0) break;
    const int err = errno;
    if (err == EEXIST && next_free_name && k < 1000) {
      target = numbered(path, k);
      continue;
    }
    unlink(temp.c_str());
    fail(path, err == EEXIST ? kExists : "cannot move the temporary file into place",
         err == EEXIST ? 0 : err);
  }
  unlink(temp.c_str());
  return target;
}

void rewrite_own_file(const std::filesystem::path& path, const std::string& content) {
  SignalsHeld held;
  const std::string temp = write_temp(path, content);
  if (rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    fail(path, "cannot move the temporary file into place", err);
  }
}

SavedResult save_result(const std::filesystem::path& path, const std::string& content, bool default_name) {
  SavedResult saved;
  try {
    saved.written = write_new_file(path, content, default_name);
    return saved;
  } catch (const std::exception& e) {
    saved.failure = e.what();
  }
  const std::string fallback_name = path.stem().string() + "." + std::to_string(getpid()) + ".json";
  const char* tmp = std::getenv("TMPDIR");
  for (const std::filesystem::path& folder :
       {folder_of(path), std::filesystem::path(tmp && *tmp ? tmp : "/tmp")}) {
    try {
      saved.written = write_new_file(folder / fallback_name, content, true);
      return saved;
    } catch (const std::exception&) {
    }
  }
  return saved;
}

}  // namespace locality
