#include "api/delivery/journal_tail.h"

#include <map>
#include <set>
#include <utility>

#include "api/delivery/stream_protocol.h"

namespace redress::api {
namespace {

// The id of the approval an approval.decided or approval.cancelled entry settles; "" when it
// names none.
std::string decided_approval(const storage::StoredEvent& e) {
  if (e.event.type != "approval.decided" && e.event.type != "approval.cancelled") return "";
  auto it = e.event.data.find("id");
  return it != e.event.data.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

JournalTail::JournalTail(storage::CaseStore& store) : store_(store), queries_(store) {}

Result<std::int64_t> JournalTail::end() const {
  return queries_.journal_head();
}

Result<std::vector<storage::StoredEvent>> JournalTail::read_after(std::int64_t after,
                                                                  std::size_t limit) const {
  return store_.journal_after(after, limit);
}

Result<std::vector<std::vector<std::string>>> JournalTail::topics_of(
    const std::vector<storage::StoredEvent>& entries, TopicFacts needed) const {
  // The case teams and approval roles the entries need (only what is asked for), read once.
  std::set<std::string> cases;
  std::set<storage::ServerQueries::ApprovalKey> decided;
  for (const auto& e : entries) {
    if (needed.teams || needed.holders) cases.insert(e.case_id);
    if (needed.approvals) {
      if (auto id = decided_approval(e); !id.empty()) decided.emplace(e.case_id, std::move(id));
    }
  }
  // With holders asked for, one read gives both the team and the holder of each case.
  std::set<std::string> held;
  if (needed.holders) held.swap(cases);
  auto team_of = queries_.case_teams(cases);
  if (!team_of.ok()) return team_of.error();
  auto holder_of = queries_.case_holders(held);
  if (!holder_of.ok()) return holder_of.error();
  auto approval_role = queries_.approval_roles(decided);
  if (!approval_role.ok()) return approval_role.error();

  std::vector<std::vector<std::string>> topics;
  topics.reserve(entries.size());
  for (const auto& e : entries) {
    std::string team;
    const storage::ServerQueries::CaseHolder* holder = nullptr;
    if (auto it = team_of.value().find(e.case_id); it != team_of.value().end()) {
      team = it->second;
    } else if (auto h = holder_of.value().find(e.case_id); h != holder_of.value().end()) {
      holder = &h->second;
      team = holder->team;
    }
    std::string role;
    if (e.event.type == "approval.requested") {
      if (auto it = e.event.data.find("required_role");
          it != e.event.data.end() && it->is_string()) {
        role = it->get<std::string>();
      }
    } else if (auto id = decided_approval(e); !id.empty()) {
      if (auto it = approval_role.value().find({e.case_id, id});
          it != approval_role.value().end()) {
        role = it->second;
      }
    }
    topics.push_back(event_topics(e, team, role));
    if (holder) {
      if (!holder->team.empty()) topics.back().push_back(holder_team_topic(holder->team));
      if (!holder->assignee.empty()) {
        topics.back().push_back(holder_assignee_topic(holder->assignee));
      }
    }
  }
  return topics;
}

}  // namespace redress::api
