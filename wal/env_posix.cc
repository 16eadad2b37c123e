// The POSIX Env, and the helpers every Env shares.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wal/env.h"
#include "wal/kill_point.h"

namespace aim::wal {

absl::Status IoError(int err, std::string_view op, std::string_view path,
                     std::string_view consequence) {
  const char* ename = strerrorname_np(err);
  std::string msg = std::string(op) + " " + std::string(path) + ": " +
                    std::strerror(err) + " (" +
                    (ename ? ename : std::to_string(err)) + ")";
  if (err == ENOSPC || err == EDQUOT) msg += "; the disk is full";
  if (!consequence.empty()) msg += "; " + std::string(consequence);
  return absl::Status(absl::ErrnoToStatusCode(err), msg);
}

std::string DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

namespace {

class OwnedBytes final : public FileBytes {
 public:
  std::string_view view() const override { return bytes; }
  std::string bytes;
};

class MappedBytes final : public FileBytes {
 public:
  MappedBytes(void* at, size_t size) : at_(at), size_(size) {}
  ~MappedBytes() override { ::munmap(at_, size_); }
  std::string_view view() const override {
    return {static_cast<const char*>(at_), size_};
  }

 private:
  void* at_;
  size_t size_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FileBytes>> ReadableFile::ReadWhole(size_t n) {
  auto owned = std::make_unique<OwnedBytes>();
  if (absl::Status s = ReadAt(0, n, &owned->bytes); !s.ok()) return s;
  return owned;
}

absl::Status Env::ReadFile(const std::string& path, std::string* out) {
  absl::StatusOr<std::unique_ptr<ReadableFile>> f = OpenReadable(path);
  if (!f.ok()) return f.status();
  absl::StatusOr<uint64_t> size = (*f)->Size();
  if (!size.ok()) return size.status();
  if (absl::Status s = (*f)->ReadAt(0, *size, out); !s.ok()) return s;
  // A file that grew meanwhile: read on until the end.
  std::string more;
  while (true) {
    if (absl::Status s = (*f)->ReadAt(out->size(), 1 << 20, &more); !s.ok())
      return s;
    if (more.empty()) return absl::OkStatus();
    out->append(more);
  }
}

absl::Status Env::ReadFileData(const std::string& path, std::string* out,
                               uint64_t* size) {
  absl::StatusOr<std::unique_ptr<ReadableFile>> f = OpenReadable(path);
  if (!f.ok()) return f.status();
  absl::StatusOr<uint64_t> n = (*f)->Size();
  if (!n.ok()) return n.status();
  absl::StatusOr<uint64_t> end = (*f)->DataEnd();
  if (!end.ok()) return end.status();
  // A block of zeros past the data, so that a reader looking for the next
  // record header there finds the zeros it would find in the whole file.
  constexpr uint64_t kBlock = 4096;
  const uint64_t want = std::min(*n, (*end + 2 * kBlock - 1) / kBlock * kBlock);
  if (absl::Status s = (*f)->ReadAt(0, want, out); !s.ok()) return s;
  *size = std::max<uint64_t>(*n, out->size());
  return absl::OkStatus();
}

absl::Status Env::WriteFileAtomically(const std::string& path,
                                      std::string_view data) {
  const std::string tmp = path + ".tmp";
  const std::string unchanged = path + " is unchanged";
  auto fail = [&](const absl::Status& s) {
    Remove(tmp).IgnoreError();  // best effort: the error below says why
    return absl::Status(s.code(),
                        std::string(s.message()) + "; " + unchanged);
  };
  absl::StatusOr<std::unique_ptr<WritableFile>> f = OpenWritable(tmp, true);
  if (!f.ok()) return fail(f.status());
  if (absl::Status s = (*f)->WriteAt(0, data); !s.ok()) return fail(s);
  if (absl::Status s = (*f)->Sync(); !s.ok()) return fail(s);
  if (absl::Status s = (*f)->Close(); !s.ok()) return fail(s);
  AIM_KILL_POINT("atomic.before_rename");
  if (absl::Status s = Rename(tmp, path); !s.ok()) return fail(s);
  AIM_KILL_POINT("atomic.before_sync_dir");
  if (absl::Status s = SyncDir(DirName(path)); !s.ok())
    return absl::Status(s.code(),
                        std::string(s.message()) + "; the new " + path +
                            " is in place but may not survive a power cut");
  return absl::OkStatus();
}

namespace {

class PosixWritable final : public WritableFile {
 public:
  PosixWritable(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritable() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status WriteAt(uint64_t offset, std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(),
                           static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError(errno, "write", path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    if (::fdatasync(fd_) != 0) return IoError(errno, "fdatasync", path_);
    return absl::OkStatus();
  }
  absl::Status Allocate(uint64_t size) override {
    int rc = ::posix_fallocate(fd_, 0, static_cast<off_t>(size));
    if (rc == 0) return absl::OkStatus();
    if (rc != EOPNOTSUPP && rc != EINVAL) return IoError(rc, "allocate", path_);
    // A file system without fallocate: a sparse extension still reads as
    // zeros (but later writes may then fail with ENOSPC).
    struct stat st;
    if (::fstat(fd_, &st) != 0) return IoError(errno, "stat", path_);
    if (static_cast<uint64_t>(st.st_size) >= size) return absl::OkStatus();
    return Truncate(size);
  }
  absl::Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      return IoError(errno, "truncate", path_);
    return absl::OkStatus();
  }
  absl::Status Close() override {
    int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return IoError(errno, "close", path_);
    return absl::OkStatus();
  }

 private:
  int fd_;
  std::string path_;
};

class PosixReadable final : public ReadableFile {
 public:
  PosixReadable(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixReadable() override { ::close(fd_); }

  absl::Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    out->resize(n);
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, out->data() + got, n - got,
                          static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return IoError(errno, "read", path_);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    out->resize(got);
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<FileBytes>> ReadWhole(size_t n) override {
    absl::StatusOr<uint64_t> size = Size();
    if (!size.ok()) return size.status();
    n = static_cast<size_t>(std::min<uint64_t>(n, *size));
    // Mapped with its pages in place at once (they are read next, all of
    // them); where mapping fails (n == 0, a file system without mmap),
    // read.
    void* at = n == 0 ? MAP_FAILED
                      : ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
                               fd_, 0);
    if (at == MAP_FAILED) return ReadableFile::ReadWhole(n);
    return std::unique_ptr<FileBytes>(new MappedBytes(at, n));
  }
  absl::StatusOr<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return IoError(errno, "stat", path_);
    return static_cast<uint64_t>(st.st_size);
  }
  absl::StatusOr<uint64_t> DataEnd() override {
    absl::StatusOr<uint64_t> size = Size();
    if (!size.ok()) return size;
    // The end of the last data extent: SEEK_DATA/SEEK_HOLE walk the
    // extents (a file system that cannot tell reports all as data).
    uint64_t end = 0;
    off_t at = 0;
    while (static_cast<uint64_t>(at) < *size) {
      const off_t data = ::lseek(fd_, at, SEEK_DATA);
      if (data < 0) {
        if (errno == ENXIO) break;  // no data from `at` on
        return *size;               // not supported here: all of it
      }
      const off_t hole = ::lseek(fd_, data, SEEK_HOLE);
      if (hole < 0) return *size;
      end = static_cast<uint64_t>(hole);
      at = hole;
    }
    return std::min(end, *size);
  }

 private:
  int fd_;
  std::string path_;
};

class PosixLock final : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override { ::close(fd_); }  // releases the flock

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::string& path, bool truncate) override {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return IoError(errno, "open for writing", path);
    return std::make_unique<PosixWritable>(fd, path);
  }
  absl::StatusOr<std::unique_ptr<ReadableFile>> OpenReadable(
      const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError(errno, "open", path);
    struct stat st;
    if (::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
      ::close(fd);
      return absl::FailedPreconditionError(path + ": not a regular file");
    }
    return std::make_unique<PosixReadable>(fd, path);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return IoError(errno, "list directory", dir);
    std::vector<std::string> out;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name != "." && name != "..") out.emplace_back(name);
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return IoError(err, "list directory", dir);
    return out;
  }
  absl::Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return absl::OkStatus();
    int err = errno;
    struct stat st;
    if (err == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return absl::OkStatus();
    return IoError(err, "create directory", dir);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return IoError(errno, "rename", from + " to " + to);
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return IoError(errno, "remove", path);
    return absl::OkStatus();
  }
  absl::Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return IoError(errno, "open directory", dir);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return IoError(err, "fsync directory", dir);
    return absl::OkStatus();
  }
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return IoError(errno, "stat", path);
    return static_cast<uint64_t>(st.st_size);
  }
  bool Exists(const std::string& path) override {
    return ::access(path.c_str(), F_OK) == 0;
  }
  absl::StatusOr<std::unique_ptr<FileLock>> Lock(
      const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return IoError(errno, "open lock file", path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        return absl::UnavailableError(
            path + " is locked: another process has this database open");
      return IoError(err, "lock", path);
    }
    return std::make_unique<PosixLock>(fd);
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv;  // never destroyed: used at exit
  return env;
}

}  // namespace aim::wal
