#include "engine/case_vocabulary.h"

#include <algorithm>

namespace redress {

bool is_severity(std::string_view name) {
  return std::find(kSeverities.begin(), kSeverities.end(), name) != kSeverities.end();
}

bool is_priority(std::string_view name) {
  return std::find(kPriorities.begin(), kPriorities.end(), name) != kPriorities.end();
}

}  // namespace redress
