#include "wal/mem_env.h"

#include <cerrno>
#include <random>
#include <vector>

namespace aim::wal {

struct MemEnv::Inode {
  std::string data;
  std::string durable;  // data as of the last Sync
};

struct MemEnv::State {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<Inode>> names;
  std::map<std::string, std::shared_ptr<Inode>> durable_names;
  std::set<std::string> dirs;
  std::set<std::string> locks;
  std::vector<std::weak_ptr<Inode>> inodes;  // every inode ever made
};

namespace {

class MemWritable final : public WritableFile {
 public:
  MemWritable(std::shared_ptr<void> keep, std::mutex* mu,
              std::shared_ptr<MemEnv::Inode> inode, std::string path)
      : keep_(std::move(keep)), mu_(mu), inode_(std::move(inode)),
        path_(std::move(path)) {}

  absl::Status WriteAt(uint64_t offset, std::string_view data) override {
    std::lock_guard lock(*mu_);
    if (closed_) return IoError(EBADF, "write", path_);
    std::string& d = inode_->data;
    if (d.size() < offset + data.size()) d.resize(offset + data.size(), '\0');
    d.replace(offset, data.size(), data);
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    std::lock_guard lock(*mu_);
    if (closed_) return IoError(EBADF, "fdatasync", path_);
    inode_->durable = inode_->data;
    return absl::OkStatus();
  }
  absl::Status Allocate(uint64_t size) override {
    std::lock_guard lock(*mu_);
    if (inode_->data.size() < size) inode_->data.resize(size, '\0');
    return absl::OkStatus();
  }
  absl::Status Truncate(uint64_t size) override {
    std::lock_guard lock(*mu_);
    inode_->data.resize(size, '\0');
    return absl::OkStatus();
  }
  absl::Status Close() override {
    std::lock_guard lock(*mu_);
    closed_ = true;
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<void> keep_;  // the env's state outlives its handles
  std::mutex* mu_;
  std::shared_ptr<MemEnv::Inode> inode_;
  std::string path_;
  bool closed_ = false;
};

class MemReadable final : public ReadableFile {
 public:
  MemReadable(std::shared_ptr<void> keep, std::mutex* mu,
              std::shared_ptr<MemEnv::Inode> inode)
      : keep_(std::move(keep)), mu_(mu), inode_(std::move(inode)) {}

  absl::Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    std::lock_guard lock(*mu_);
    const std::string& d = inode_->data;
    if (offset >= d.size()) {
      out->clear();
      return absl::OkStatus();
    }
    out->assign(d, offset, n);
    return absl::OkStatus();
  }
  absl::StatusOr<uint64_t> Size() override {
    std::lock_guard lock(*mu_);
    return inode_->data.size();
  }

 private:
  std::shared_ptr<void> keep_;
  std::mutex* mu_;
  std::shared_ptr<MemEnv::Inode> inode_;
};

class MemLock final : public FileLock {
 public:
  MemLock(std::shared_ptr<void> keep, std::mutex* mu,
          std::set<std::string>* locks, std::string path)
      : keep_(std::move(keep)), mu_(mu), locks_(locks), path_(std::move(path)) {}
  ~MemLock() override {
    std::lock_guard lock(*mu_);
    locks_->erase(path_);
  }

 private:
  std::shared_ptr<void> keep_;
  std::mutex* mu_;
  std::set<std::string>* locks_;
  std::string path_;
};

}  // namespace

MemEnv::MemEnv() : state_(std::make_shared<State>()) {
  state_->dirs.insert("/");
  state_->dirs.insert(".");
}
MemEnv::~MemEnv() = default;

absl::StatusOr<std::unique_ptr<WritableFile>> MemEnv::OpenWritable(
    const std::string& path, bool truncate) {
  std::lock_guard lock(state_->mu);
  if (!state_->dirs.count(DirName(path)))
    return IoError(ENOENT, "open for writing", path);
  if (state_->dirs.count(path)) return IoError(EISDIR, "open for writing", path);
  std::shared_ptr<Inode>& inode = state_->names[path];
  if (!inode) {
    inode = std::make_shared<Inode>();
    state_->inodes.push_back(inode);
  } else if (truncate) {
    inode->data.clear();
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<MemWritable>(state_, &state_->mu, inode, path));
}

absl::StatusOr<std::unique_ptr<ReadableFile>> MemEnv::OpenReadable(
    const std::string& path) {
  std::lock_guard lock(state_->mu);
  auto it = state_->names.find(path);
  if (it == state_->names.end()) return IoError(ENOENT, "open", path);
  return std::unique_ptr<ReadableFile>(
      std::make_unique<MemReadable>(state_, &state_->mu, it->second));
}

absl::StatusOr<std::vector<std::string>> MemEnv::ListDir(const std::string& dir) {
  std::lock_guard lock(state_->mu);
  if (!state_->dirs.count(dir)) return IoError(ENOENT, "list directory", dir);
  std::vector<std::string> out;
  for (const auto& [path, inode] : state_->names)
    if (DirName(path) == dir) out.push_back(path.substr(path.rfind('/') + 1));
  for (const std::string& d : state_->dirs)
    if (d != dir && DirName(d) == dir) out.push_back(d.substr(d.rfind('/') + 1));
  return out;
}

absl::Status MemEnv::CreateDir(const std::string& dir) {
  std::lock_guard lock(state_->mu);
  if (state_->names.count(dir)) return IoError(EEXIST, "create directory", dir);
  if (!state_->dirs.count(DirName(dir)))
    return IoError(ENOENT, "create directory", dir);
  state_->dirs.insert(dir);
  return absl::OkStatus();
}

absl::Status MemEnv::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(state_->mu);
  auto it = state_->names.find(from);
  if (it == state_->names.end())
    return IoError(ENOENT, "rename", from + " to " + to);
  if (!state_->dirs.count(DirName(to)))
    return IoError(ENOENT, "rename", from + " to " + to);
  std::shared_ptr<Inode> inode = it->second;
  state_->names.erase(it);
  state_->names[to] = std::move(inode);
  return absl::OkStatus();
}

absl::Status MemEnv::Remove(const std::string& path) {
  std::lock_guard lock(state_->mu);
  if (state_->names.erase(path) == 0) return IoError(ENOENT, "remove", path);
  return absl::OkStatus();
}

absl::Status MemEnv::SyncDir(const std::string& dir) {
  std::lock_guard lock(state_->mu);
  if (!state_->dirs.count(dir)) return IoError(ENOENT, "fsync directory", dir);
  for (auto it = state_->durable_names.begin();
       it != state_->durable_names.end();) {
    if (DirName(it->first) == dir && !state_->names.count(it->first))
      it = state_->durable_names.erase(it);
    else
      ++it;
  }
  for (const auto& [path, inode] : state_->names)
    if (DirName(path) == dir) state_->durable_names[path] = inode;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> MemEnv::FileSize(const std::string& path) {
  std::lock_guard lock(state_->mu);
  auto it = state_->names.find(path);
  if (it == state_->names.end()) return IoError(ENOENT, "stat", path);
  return it->second->data.size();
}

bool MemEnv::Exists(const std::string& path) {
  std::lock_guard lock(state_->mu);
  return state_->names.count(path) || state_->dirs.count(path);
}

absl::StatusOr<std::unique_ptr<FileLock>> MemEnv::Lock(const std::string& path) {
  std::lock_guard lock(state_->mu);
  if (!state_->locks.insert(path).second)
    return absl::UnavailableError(
        path + " is locked: another process has this database open");
  return std::unique_ptr<FileLock>(
      std::make_unique<MemLock>(state_, &state_->mu, &state_->locks, path));
}

void MemEnv::PowerCut(PowerCutMode mode, uint64_t seed) {
  std::lock_guard lock(state_->mu);
  std::mt19937_64 rng(seed);
  constexpr size_t kSector = 512;
  for (const std::weak_ptr<Inode>& weak : state_->inodes) {
    std::shared_ptr<Inode> inode = weak.lock();
    if (!inode || inode->data == inode->durable) continue;
    if (mode == PowerCutMode::kDropUnsynced) {
      inode->data = inode->durable;
      continue;
    }
    std::string out = inode->durable;
    if (inode->data.size() > out.size() && (rng() & 1))
      out.resize(inode->data.size(), '\0');
    else
      out.resize(std::min(out.size(), inode->data.size()), '\0');
    for (size_t off = 0; off < out.size(); off += kSector) {
      size_t n = std::min(kSector, out.size() - off);
      if (off >= inode->data.size()) break;
      n = std::min(n, inode->data.size() - off);
      if (inode->data.compare(off, n, out, off, n) != 0 && (rng() & 1))
        out.replace(off, n, inode->data, off, n);
    }
    inode->data = std::move(out);
    inode->durable = inode->data;
  }
  state_->names = state_->durable_names;
}

absl::Status MemEnv::GetContents(const std::string& path, std::string* out) {
  std::lock_guard lock(state_->mu);
  auto it = state_->names.find(path);
  if (it == state_->names.end()) return IoError(ENOENT, "read", path);
  *out = it->second->data;
  return absl::OkStatus();
}

absl::Status MemEnv::SetContents(const std::string& path, std::string data) {
  std::lock_guard lock(state_->mu);
  auto it = state_->names.find(path);
  if (it == state_->names.end()) return IoError(ENOENT, "write", path);
  it->second->data = std::move(data);
  it->second->durable = it->second->data;
  return absl::OkStatus();
}

}  // namespace aim::wal
