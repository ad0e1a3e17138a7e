// Links between cases: a complaint that duplicates another, is related to it, or follows up on
// it. A link is made from one case and shown on both; it is a record beside the cases (who made
// it, when and why), not a journal entry, so linking never changes either case's version.
//
// Thread-safety: CaseLinkStore may be called from any thread; write_case_link runs on the writer
// thread inside a write (WriteContext).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/time.h"
#include "storage/case_store.h"

namespace redress::storage {

// reopen_of: a new case for a closed one whose reopen window had passed (ReopenSpec).
inline constexpr const char* kReopenOfLink = "reopen_of";
inline constexpr const char* kCaseLinkKinds[] = {"duplicate_of", "related_to", "follow_up_of",
                                                 kReopenOfLink};

struct CaseLink {
  std::int64_t id = 0;
  std::string case_id;         // the case the link was made from
  std::string linked_case_id;  // the case it points to
  std::string kind;            // duplicate_of, related_to, follow_up_of, reopen_of
  std::string reason;
  std::string created_by;
  Instant created_at{};
};

// Inserts a link. Errors: NOT_FOUND "/case_id" (the linked case does not exist or `scope` does
// not see it), INVALID_FIELD "/case_id" (a case linked to itself), ALREADY_EXISTS (the same link
// exists).
Result<CaseLink> write_case_link(WriteContext& context, CaseLink link, const ReadScope& scope = {});

// The open case of `workflow_id` about `order_id`, other than `except_case_id`: what a new
// complaint about the order duplicates. Empty when there is none.
std::string open_case_of_order(WriteContext& context, const std::string& order_id,
                               const std::string& workflow_id, const std::string& except_case_id);

// The closed cases of `workflow_id` about `order_id`, other than `except_case_id`, most
// recently closed first (at most a few: only the latest can still be in a reopen window).
std::vector<std::string> closed_cases_of_order(WriteContext& context, const std::string& order_id,
                                               const std::string& workflow_id,
                                               const std::string& except_case_id);

class CaseLinkStore {
 public:
  explicit CaseLinkStore(CaseStore& store) : store_(store) {}
  // NOT_FOUND "/id" when the case the link is made from does not exist or `scope` does not see
  // it; else as write_case_link.
  void link(CaseLink link, ReadScope scope, std::function<void(Result<CaseLink>)> done);
  // Links made from or to the case whose other case `scope` sees, oldest first.
  Result<std::vector<CaseLink>> links_of(const std::string& case_id,
                                         const ReadScope& scope = {}) const;

 private:
  CaseStore& store_;
};

}  // namespace redress::storage
