#include "engine/model/kinds.h"

namespace aim::model {

namespace {
constexpr std::string_view kEntityNames[] = {
    "fn",    "method", "trait_method", "struct", "enum",        "union", "trait",
    "type",  "const",  "static",       "mod",    "macro_rules", "impl",  "external"};
constexpr std::string_view kEdgeNames[] = {"calls", "implements", "uses",
                                           "contains", "imports"};
constexpr std::string_view kConfidenceNames[] = {"exact", "name", "ambiguous"};
}  // namespace

std::string_view EntityKindName(EntityKind k) {
  return kEntityNames[static_cast<int>(k)];
}
std::string_view EdgeKindName(EdgeKind k) {
  return kEdgeNames[static_cast<int>(k)];
}
std::string_view ConfidenceName(Confidence c) {
  return kConfidenceNames[static_cast<int>(c)];
}

std::optional<EntityKind> ParseEntityKind(std::string_view name) {
  for (int i = 0; i < kEntityKindCount; ++i)
    if (kEntityNames[i] == name) return static_cast<EntityKind>(i);
  return std::nullopt;
}

std::optional<EdgeKind> ParseEdgeKind(std::string_view name) {
  for (int i = 0; i < kEdgeKindCount; ++i)
    if (kEdgeNames[i] == name) return static_cast<EdgeKind>(i);
  return std::nullopt;
}

EntityKind FromItemKind(ItemKind k) {
  // ItemKind's order is EntityKind's first twelve.
  return static_cast<EntityKind>(static_cast<int>(k));
}

}  // namespace aim::model
