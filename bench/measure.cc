#include "bench/measure.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace aim::bench {

namespace fs = std::filesystem;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double MicrosSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k];
}

Quantiles Summarize(std::vector<double> samples) {
  Quantiles q;
  q.n = samples.size();
  if (samples.empty()) return q;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double p) {
    return samples[static_cast<size_t>(p * static_cast<double>(q.n - 1))];
  };
  q.p50 = at(0.50);
  q.p99 = at(0.99);
  q.p999 = at(0.999);
  q.max = samples.back();
  double sum = 0;
  for (double s : samples) sum += s;
  q.mean = sum / static_cast<double>(q.n);
  return q;
}

size_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

uint64_t FileBytes(const std::string& dir, const std::string& prefix) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    if (e.path().filename().string().rfind(prefix, 0) != 0) continue;
    bytes += e.file_size(ec);
  }
  return bytes;
}

std::string ScratchDir(const std::string& tag) {
  const fs::path p = fs::temp_directory_path() /
                     ("aim-" + tag + "-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(p, ec);
  fs::create_directories(p, ec);
  return p.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void AtomicSave(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".aimtmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
}

size_t CountLines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::string EditPayload(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  static const char* words[] = {"fn", "pub", "impl", "self", "Result", "Vec",
                                "tokio::net::TcpStream", "connect", "io",
                                "Option<&str>", "u32", "crate::util::checksum"};
  std::string s;
  while (s.size() < n) {
    s += words[rng() % 12];
    s += static_cast<char>('a' + rng() % 26);
    s += std::to_string(rng() % 1000);
    s += ' ';
  }
  s.resize(n);
  return s;
}

}  // namespace aim::bench
