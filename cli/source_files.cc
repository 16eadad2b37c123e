#include "cli/source_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace aim::cli {

namespace fs = std::filesystem;

bool FindRustFiles(const std::string& root, std::vector<SourceFile>& files,
                   std::string& error) {
  std::error_code ec;
  fs::file_status st = fs::status(root, ec);
  if (ec || !fs::exists(st)) {
    error = root + ": no such file or directory";
    return false;
  }
  if (!fs::is_directory(st)) {
    files.push_back({root, fs::path(root).generic_string()});
    return true;
  }
  fs::recursive_directory_iterator it(
      root, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    error = root + ": " + ec.message();
    return false;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      error = root + ": " + ec.message();
      return false;
    }
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (it->is_directory(ec)) {
      if (name == "target" || (!name.empty() && name[0] == '.'))
        it.disable_recursion_pending();
      continue;
    }
    if (p.extension() != ".rs" || !it->is_regular_file(ec)) continue;
    files.push_back(
        {p.string(), fs::relative(p, root, ec).generic_string()});
  }
  std::sort(files.begin(), files.end(),
            [](const SourceFile& a, const SourceFile& b) {
              return a.display < b.display;
            });
  return true;
}

bool ReadFile(const std::string& path, std::string& bytes,
              std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return false;
  }
  bytes = std::move(ss).str();
  return true;
}

}  // namespace aim::cli
