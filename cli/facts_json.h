// JSON Lines rendering of FileFacts: the `aim parse` contract (README).
#ifndef AIM_CLI_FACTS_JSON_H_
#define AIM_CLI_FACTS_JSON_H_

#include <ostream>
#include <string_view>

#include "aim/facts.h"

namespace aim::cli {

// Writes one JSON object per line for every fact of `facts`, naming the
// file `display_path`. Invalid UTF-8 in source text is replaced (U+FFFD).
void WriteFactsJsonl(const FileFacts& facts, std::string_view display_path,
                     std::ostream& out);

}  // namespace aim::cli

#endif  // AIM_CLI_FACTS_JSON_H_
