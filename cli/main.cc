// aim: the command-line tool. Thin: it uses the public API (include/aim)
// only.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "aim/extract.h"
#include "cli/facts_json.h"
#include "cli/source_files.h"

namespace {

struct ParseArgs {
  std::string target;
  std::string format = "jsonl";
};

int RunParse(const ParseArgs& args) {
  std::vector<aim::cli::SourceFile> files;
  std::string error;
  if (!aim::cli::FindRustFiles(args.target, files, error)) {
    std::cerr << "aim parse: " << error << "\n";
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  std::ios::sync_with_stdio(false);
  uint64_t lines = 0, items = 0, impls = 0, calls = 0, errors = 0;
  std::string bytes;
  for (const auto& f : files) {
    if (!aim::cli::ReadFile(f.path, bytes, error)) {
      aim::FileFacts unreadable;
      unreadable.errors.push_back({0, 0, "cannot read file: " + error});
      aim::cli::WriteFactsJsonl(unreadable, f.display, std::cout);
      ++errors;
      continue;
    }
    aim::FileFacts facts = aim::ExtractFacts(f.display, bytes);
    aim::cli::WriteFactsJsonl(facts, f.display, std::cout);
    lines += facts.lines;
    items += facts.items.size();
    impls += facts.impls.size();
    calls += facts.calls.size();
    errors += facts.errors.size();
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  std::cout << "{\"k\":\"summary\",\"files\":" << files.size()
            << ",\"lines\":" << lines << ",\"items\":" << items
            << ",\"impls\":" << impls << ",\"calls\":" << calls
            << ",\"errors\":" << errors << ",\"ms\":" << ms << "}\n";
  std::cout.flush();
  return std::cout.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "aim: a live Interface Signature Graph of a Rust codebase.\n"
      "Answers structural questions (who implements, who calls, what is "
      "affected) in microseconds."};
  app.set_version_flag("--version", std::string("aim 0.1.0"));
  app.require_subcommand(1);

  ParseArgs parse_args;
  CLI::App* parse = app.add_subcommand(
      "parse",
      "Extract the raw facts (items, impls, calls, uses, ...) of Rust files "
      "as JSON Lines; no database.");
  parse->add_option("path", parse_args.target, "A .rs file or a directory")
      ->required();
  parse->add_option("--format", parse_args.format, "Output format")
      ->check(CLI::IsMember({"jsonl"}))
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (parse->parsed()) return RunParse(parse_args);
  return 0;
}
