#include "fault_injection/fault_env.h"

namespace aim::fault {
namespace {

class FaultWritable final : public wal::WritableFile {
 public:
  FaultWritable(FaultEnv* env, std::unique_ptr<wal::WritableFile> base,
                std::string path)
      : env_(env), base_(std::move(base)), path_(std::move(path)) {}

  absl::Status WriteAt(uint64_t offset, std::string_view data) override {
    if (absl::Status s = env_->Check(kOpWrite, "write", path_); !s.ok()) {
      // A failed write may still have put part of the data down.
      base_->WriteAt(offset, data.substr(0, data.size() / 2)).IgnoreError();
      return s;
    }
    return base_->WriteAt(offset, data);
  }
  absl::Status Sync() override {
    bool lied = false;
    absl::Status s = env_->Check(kOpSync, "fdatasync", path_, &lied);
    if (lied) return absl::OkStatus();
    if (!s.ok()) return s;
    return base_->Sync();
  }
  absl::Status Allocate(uint64_t size) override {
    if (absl::Status s = env_->Check(kOpAllocate, "allocate", path_); !s.ok())
      return s;
    return base_->Allocate(size);
  }
  absl::Status Truncate(uint64_t size) override {
    if (absl::Status s = env_->Check(kOpAllocate, "truncate", path_); !s.ok())
      return s;
    return base_->Truncate(size);
  }
  absl::Status Close() override {
    absl::Status s = env_->Check(kOpClose, "close", path_);
    absl::Status c = base_->Close();
    return s.ok() ? c : s;
  }

 private:
  FaultEnv* env_;
  std::unique_ptr<wal::WritableFile> base_;
  std::string path_;
};

class FaultReadable final : public wal::ReadableFile {
 public:
  FaultReadable(FaultEnv* env, std::unique_ptr<wal::ReadableFile> base,
                std::string path)
      : env_(env), base_(std::move(base)), path_(std::move(path)) {}
  absl::Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    if (absl::Status s = env_->Check(kOpRead, "read", path_); !s.ok()) return s;
    return base_->ReadAt(offset, n, out);
  }
  absl::StatusOr<uint64_t> Size() override {
    if (absl::Status s = env_->Check(kOpRead, "stat", path_); !s.ok()) return s;
    return base_->Size();
  }
  absl::StatusOr<uint64_t> DataEnd() override {
    if (absl::Status s = env_->Check(kOpRead, "seek", path_); !s.ok()) return s;
    return base_->DataEnd();
  }

 private:
  FaultEnv* env_;
  std::unique_ptr<wal::ReadableFile> base_;
  std::string path_;
};

}  // namespace

void FaultEnv::Arm(const Fault& fault) {
  std::lock_guard lock(mu_);
  fault_ = fault;
  armed_ = true;
  tripped_ = false;
  countdown_ = fault.nth;
}

void FaultEnv::Disarm() {
  std::lock_guard lock(mu_);
  armed_ = false;
  tripped_ = false;
}

absl::Status FaultEnv::Check(OpKind kind, std::string_view op,
                             std::string_view path, bool* lied) {
  ops_.fetch_add(1);
  std::lock_guard lock(mu_);
  if (!armed_ || !(fault_.kinds & kind)) return absl::OkStatus();
  if (!fault_.path_contains.empty() &&
      path.find(fault_.path_contains) == std::string_view::npos)
    return absl::OkStatus();
  bool fire = tripped_;
  if (!fire && countdown_ > 0 && --countdown_ == 0) {
    fire = true;
    if (fault_.permanent) tripped_ = true;
    else armed_ = false;
  }
  if (!fire) return absl::OkStatus();
  injected_.fetch_add(1);
  if (kind == kOpSync && fault_.lie && lied != nullptr) {
    *lied = true;
    return absl::OkStatus();
  }
  return wal::IoError(fault_.err, std::string(op) + " (injected)", path);
}

absl::StatusOr<std::unique_ptr<wal::WritableFile>> FaultEnv::OpenWritable(
    const std::string& path, bool truncate) {
  if (absl::Status s = Check(kOpOpen, "open for writing", path); !s.ok()) return s;
  auto f = base_->OpenWritable(path, truncate);
  if (!f.ok()) return f.status();
  return std::unique_ptr<wal::WritableFile>(
      std::make_unique<FaultWritable>(this, std::move(*f), path));
}

absl::StatusOr<std::unique_ptr<wal::ReadableFile>> FaultEnv::OpenReadable(
    const std::string& path) {
  if (absl::Status s = Check(kOpOpen, "open", path); !s.ok()) return s;
  auto f = base_->OpenReadable(path);
  if (!f.ok()) return f.status();
  return std::unique_ptr<wal::ReadableFile>(
      std::make_unique<FaultReadable>(this, std::move(*f), path));
}

absl::StatusOr<std::vector<std::string>> FaultEnv::ListDir(const std::string& dir) {
  if (absl::Status s = Check(kOpRead, "list directory", dir); !s.ok()) return s;
  return base_->ListDir(dir);
}

absl::Status FaultEnv::CreateDir(const std::string& dir) {
  if (absl::Status s = Check(kOpCreateDir, "create directory", dir); !s.ok())
    return s;
  return base_->CreateDir(dir);
}

absl::Status FaultEnv::Rename(const std::string& from, const std::string& to) {
  if (absl::Status s = Check(kOpRename, "rename", from); !s.ok()) return s;
  return base_->Rename(from, to);
}

absl::Status FaultEnv::Remove(const std::string& path) {
  if (absl::Status s = Check(kOpRemove, "remove", path); !s.ok()) return s;
  return base_->Remove(path);
}

absl::Status FaultEnv::SyncDir(const std::string& dir) {
  bool lied = false;
  absl::Status s = Check(kOpSyncDir, "fsync directory", dir, &lied);
  if (lied) return absl::OkStatus();
  if (!s.ok()) return s;
  return base_->SyncDir(dir);
}

absl::StatusOr<uint64_t> FaultEnv::FileSize(const std::string& path) {
  if (absl::Status s = Check(kOpRead, "stat", path); !s.ok()) return s;
  return base_->FileSize(path);
}

bool FaultEnv::Exists(const std::string& path) { return base_->Exists(path); }

absl::StatusOr<std::unique_ptr<wal::FileLock>> FaultEnv::Lock(
    const std::string& path) {
  if (absl::Status s = Check(kOpOpen, "lock", path); !s.ok()) return s;
  return base_->Lock(path);
}

}  // namespace aim::fault
