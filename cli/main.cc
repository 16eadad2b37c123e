// aim: the command-line tool. Thin: it uses the public API (include/aim)
// only.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "aim/extract.h"
#include "cli/commands.h"
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
  app.fallthrough();

  aim::cli::CommonArgs common;
  auto add_common = [&](CLI::App* cmd, bool json) {
    cmd->add_option("--db", common.db, "Database directory")
        ->capture_default_str();
    if (json) cmd->add_flag("--json", common.json, "JSON output");
  };

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

  std::string ingest_dir;
  int threads = 2;
  CLI::App* ingest = app.add_subcommand(
      "ingest",
      "Build the graph of a workspace (or of a `FILE: <path>` text dump) "
      "and persist it in the database.");
  ingest->add_option("dir", ingest_dir, "Workspace directory or dump file")
      ->required();
  ingest->add_option("--threads", threads, "Extraction threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  add_common(ingest, true);
  const std::map<std::string, aim::Durability> durabilities = {
      {"sync", aim::Durability::kSync},
      {"batch", aim::Durability::kBatch},
      {"none", aim::Durability::kNone}};
  const std::map<std::string, aim::RecoveryMode> recoveries = {
      {"point-in-time", aim::RecoveryMode::kPointInTime},
      {"strict", aim::RecoveryMode::kStrict},
      {"salvage", aim::RecoveryMode::kSalvage}};
  ingest->add_option("--durability", common.durability,
                     "When a write counts as done: sync | batch | none")
      ->transform(CLI::CheckedTransformer(durabilities))
      ->default_str("batch");
  ingest->add_option("--recovery", common.recovery,
                     "Opening a damaged log: point-in-time | strict | salvage "
                     "(salvage moves what does not verify to <db>/wal/lost/)")
      ->transform(CLI::CheckedTransformer(recoveries))
      ->default_str("point-in-time");

  aim::QueryRequest request;
  std::vector<std::string> query_args;
  CLI::App* query = app.add_subcommand(
      "query",
      "Ask the graph: what-implements T | blast-radius E | callers F | "
      "callees F | uses E | used-by T | cycles | path A B | search TEXT | "
      "context E");
  query->add_option("kind", request.kind, "The question")
      ->required()
      ->check(CLI::IsMember({"what-implements", "blast-radius", "callers",
                             "callees", "uses", "used-by", "cycles", "path",
                             "search", "context"}));
  query->add_option("names", query_args,
                    "Names: a qualified path, a suffix (Type::method) or a "
                    "bare name");
  query->add_option("--depth", request.depth,
                    "Hops (blast-radius: 3, callers/callees: 1)");
  query->add_option("--limit", request.limit, "At most this many results");
  query->add_option("--direction", request.direction,
                    "blast-radius: up (dependents) or down (dependencies)")
      ->check(CLI::IsMember({"up", "down"}))
      ->capture_default_str();
  query->add_option("--scope", request.scope, "cycles: calls or modules")
      ->check(CLI::IsMember({"calls", "modules"}))
      ->capture_default_str();
  query->add_option("--budget", request.budget, "context: token budget")
      ->capture_default_str();
  add_common(query, true);

  CLI::App* stats = app.add_subcommand("stats", "Counts of the graph.");
  add_common(stats, true);

  CLI::App* check = app.add_subcommand(
      "check", "Verify the database's checkpoint and every WAL record; "
               "non-zero exit on damage.");
  add_common(check, true);

  std::string watch_dir;
  int debounce_ms = 5;
  CLI::App* watch = app.add_subcommand(
      "watch",
      "The daemon: keep the database in step with a workspace and answer "
      "queries on <db>/aim.sock (JSON Lines) until SIGINT/SIGTERM. `aim "
      "query` and `aim stats` use it when it runs.");
  watch->add_option("dir", watch_dir, "Workspace directory")->required();
  watch->add_option("--debounce", debounce_ms, "Coalesce bursts of changes (ms)")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  add_common(watch, false);
  watch->add_option("--durability", common.durability,
                    "When a write counts as done: sync | batch | none")
      ->transform(CLI::CheckedTransformer(durabilities))
      ->default_str("batch");
  watch->add_option("--recovery", common.recovery,
                    "Opening a damaged log: point-in-time | strict | salvage")
      ->transform(CLI::CheckedTransformer(recoveries))
      ->default_str("point-in-time");

  std::string format = "jsonl", out_path;
  CLI::App* exp = app.add_subcommand(
      "export", "Write the whole graph as JSON Lines, Graphviz dot or Mermaid.");
  exp->add_option("--format", format, "jsonl | dot | mermaid")
      ->check(CLI::IsMember({"jsonl", "dot", "mermaid"}))
      ->capture_default_str();
  exp->add_option("--out", out_path, "Output file (default: standard output)");
  add_common(exp, false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; usage errors exit 2.
    return app.exit(e) == 0 ? 0 : aim::cli::kExitError;
  }
  if (parse->parsed()) return RunParse(parse_args);
  if (ingest->parsed()) return aim::cli::RunIngest(common, ingest_dir, threads);
  if (query->parsed() || stats->parsed()) {
    request.args = query_args;
    std::unique_ptr<aim::Engine> engine;  // left open: see RunQuery
    aim::cli::ExitNow(query->parsed() ? aim::cli::RunQuery(common, request, &engine)
                                      : aim::cli::RunStats(common, &engine));
  }
  if (check->parsed()) return aim::cli::RunCheck(common);
  if (exp->parsed()) return aim::cli::RunExport(common, format, out_path);
  if (watch->parsed()) return aim::cli::RunWatch(common, watch_dir, debounce_ms);
  return 0;
}
