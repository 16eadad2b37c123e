#include "fault_injection/workload.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace aim::fault {
namespace {

constexpr int kMaxLiveFiles = 24;

}  // namespace

Workload::Workload(uint64_t seed, std::string prefix)
    : rng_(seed), prefix_(std::move(prefix)) {}

std::string Workload::PathOf(int file) const {
  return prefix_ + std::to_string(file) + ".rs";
}

const Edit& Workload::At(uint64_t i) {
  while (edits_.size() <= i) Generate();
  return edits_[i];
}

// Rust that links across files (calls, impls of shared traits, uses), with
// `serial` in it so that no edit ever leaves a file as it was.
std::string Workload::Source(int file, uint64_t serial, bool large) {
  const std::string f = std::to_string(file);
  const std::string peer = std::to_string(static_cast<int>(rng_() % 16));
  const std::string trait = "T" + std::to_string(rng_() % 3);
  std::string s = "// edit " + std::to_string(serial) + "\n";
  s += "use crate::m" + peer + "::S" + peer + ";\n";
  s += "pub trait " + trait + "M" + f + " { fn go(&self); }\n";
  s += "pub struct S" + f + " { pub next: Option<Box<S" + peer + ">> }\n";
  s += "impl " + trait + "M" + f + " for S" + f + " { fn go(&self) { crate::m" +
       peer + "::f" + peer + "(); } }\n";
  // Large: 35-70 KB, more than two WAL segments of the harness (16 KiB).
  const int fns = large ? 700 + static_cast<int>(rng_() % 700)
                        : 1 + static_cast<int>(rng_() % 6);
  for (int k = 0; k < fns; ++k) {
    const std::string callee = std::to_string(rng_() % 16);
    // In a large file each function calls the one before it: a hub that
    // thousands of edges point at would make every edit of the file cost
    // O(edges^2) (see Graph::RemoveEdge), and slow the harness down.
    const std::string call =
        k < 6 ? "crate::m" + callee + "::f" + callee + "(); x.go();"
              : "f" + f + "_" + std::to_string(k - 1) + "(x);";
    s += "pub fn f" + f + (k == 0 ? "" : "_" + std::to_string(k)) + "(x: &S" + f +
         ") -> usize { " + call + " " + std::to_string(rng_() % 1000) + " }\n";
  }
  return s;
}

void Workload::Generate() {
  const uint64_t serial = edits_.size();
  if (exists_.size() < static_cast<size_t>(next_file_ + 1))
    exists_.resize(next_file_ + 1, false);
  auto update = [&](int file, bool large) {
    Edit e;
    e.kind = Edit::kUpdate;
    e.path = PathOf(file);
    e.content = Source(file, serial, large);
    if (!exists_[file]) {
      exists_[file] = true;
      live_.push_back(file);
    }
    edits_.push_back(std::move(e));
  };
  auto remove = [&](int file) {
    exists_[file] = false;
    live_.erase(std::find(live_.begin(), live_.end(), file));
    edits_.push_back({Edit::kRemove, PathOf(file), ""});
  };
  if (burst_left_ > 0 && exists_[burst_file_]) {
    --burst_left_;
    update(burst_file_, false);
    return;
  }
  const uint64_t dice = rng_() % 100;
  const bool can_create = static_cast<int>(live_.size()) < kMaxLiveFiles;
  if (live_.empty() || (dice < 20 && can_create)) {
    // Create.
    const int file = next_file_++;
    exists_.resize(next_file_, false);
    update(file, rng_() % 40 == 0);
  } else if (dice < 30) {
    remove(live_[rng_() % live_.size()]);
  } else if (dice < 36 && can_create) {
    // Rename: the content moves to a new name (two edits, two LSNs).
    const int from = live_[rng_() % live_.size()];
    const int to = next_file_++;
    exists_.resize(next_file_, false);
    remove(from);
    update(to, false);
  } else if (dice < 42) {
    burst_file_ = live_[rng_() % live_.size()];
    burst_left_ = 4 + static_cast<int>(rng_() % 20);
    update(burst_file_, false);
  } else {
    update(live_[rng_() % live_.size()], rng_() % 50 == 0);
  }
}

absl::StatusOr<uint64_t> Apply(Engine& engine, const Edit& e) {
  if (e.kind == Edit::kRemove) return engine.RemoveFile(e.path);
  return engine.UpdateFile(e.path, e.content);
}

Model::Model(uint64_t seed) : workload_(seed) {
  absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Open(Options{});
  engine_ = std::move(*e);  // an in-memory engine cannot fail to open
  digests_.push_back(engine_->Digest());
}

uint64_t Model::DigestAt(uint64_t lsn) {
  while (digests_.size() <= lsn) {
    const uint64_t i = digests_.size() - 1;
    absl::StatusOr<uint64_t> got = Apply(*engine_, workload_.At(i));
    // The model is the oracle: if it cannot follow its own workload the
    // harness is broken, and every verdict would be meaningless.
    if (!got.ok() || *got != i + 1) {
      std::fprintf(stderr, "aim-crash: the model failed at edit %llu: %s\n",
                   static_cast<unsigned long long>(i),
                   got.ok() ? "unexpected LSN" : std::string(got.status().message()).c_str());
      std::abort();
    }
    digests_.push_back(engine_->Digest());
  }
  return digests_[lsn];
}

}  // namespace aim::fault
