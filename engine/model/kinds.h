// Entity, edge and confidence kinds of the Interface Signature Graph.
#ifndef AIM_ENGINE_MODEL_KINDS_H_
#define AIM_ENGINE_MODEL_KINDS_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "aim/facts.h"

namespace aim::model {

enum class EntityKind : uint8_t {
  kFn, kMethod, kTraitMethod, kStruct, kEnum, kUnion, kTrait, kType, kConst,
  kStatic, kMod, kMacroRules,
  kImpl,      // an impl block
  kExternal,  // referenced but not defined in the indexed tree
};
inline constexpr int kEntityKindCount = 14;

enum class EdgeKind : uint8_t {
  kCalls,       // fn -> fn/method (or constructor: struct/enum)
  kImplements,  // type -> trait, via an impl (or a derive)
  kUses,        // item -> type named in its signature, fields or bounds
  kContains,    // module -> item, type/trait/impl -> member
  kImports,     // module -> `use` target
};
inline constexpr int kEdgeKindCount = 5;

enum class Confidence : uint8_t {
  kExact,      // the path resolved
  kName,       // a unique name match
  kAmbiguous,  // one of several candidates; all are linked
};

std::string_view EntityKindName(EntityKind k);
std::string_view EdgeKindName(EdgeKind k);
std::string_view ConfidenceName(Confidence c);
std::optional<EntityKind> ParseEntityKind(std::string_view name);
std::optional<EdgeKind> ParseEdgeKind(std::string_view name);

EntityKind FromItemKind(ItemKind k);

inline bool IsCallable(EntityKind k) {
  return k == EntityKind::kFn || k == EntityKind::kMethod ||
         k == EntityKind::kTraitMethod;
}
inline bool IsType(EntityKind k) {
  return k == EntityKind::kStruct || k == EntityKind::kEnum ||
         k == EntityKind::kUnion || k == EntityKind::kType ||
         k == EntityKind::kTrait;
}

}  // namespace aim::model

#endif  // AIM_ENGINE_MODEL_KINDS_H_
