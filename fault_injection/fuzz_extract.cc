// libFuzzer target for the Rust extractor (lexer + parser).
// Build and run: see README "Fuzzing".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aim/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  aim::FileFacts facts = aim::ExtractFacts("fuzz.rs", bytes);
  // Every fact must point into the input.
  for (const auto& it : facts.items)
    if (it.line == 0 || it.line > facts.lines + 1 || it.end_line < it.line)
      __builtin_trap();
  for (const auto& c : facts.calls)
    if (c.line == 0 || c.line > facts.lines + 1) __builtin_trap();
  return 0;
}
