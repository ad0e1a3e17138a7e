// Applying one case command inside the writer's transaction: load the case, ask the engine,
// and write what it decided (journal, snapshot, projections, timers, outbox) through the write
// context. The write half of CaseStore; the writer thread (case_writer.h) runs it.
//
// Internal to storage/. Thread-safety: runs only on the writer thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/engine.h"
#include "storage/case_store.h"

namespace redress::storage {

// Decides `command` against its case and, when accepted, writes every effect. A creation with
// no case id gets one allocated here (so `command` is updated). An engine rejection is an
// outcome, not an error; errors are storage failures.
Result<CommandOutcome> apply_case_command(WriteContext& context, const Engine& engine,
                                          CaseCommand& command);

// The case's snapshot as this transaction sees it: the writer's parsed copy when it is at the
// row's version, else the row's text parsed. Null: no such case.
SnapshotCache::Entry load_current_snapshot(WriteContext& context, const std::string& case_id);

// Writes one outbox row of webhook `type` about `case_id` with `data` (webhook_case_data and the
// type's own members), in the caller's savepoint, so it commits or rolls back with what it
// reports; `journal_seq` is the last journal entry of the decision that sent it, if any.
// Returns its webhook id. Every webhook row goes through here: the event catalogue test reads
// the types written from storage/ in the calls to it.
std::string write_webhook(WriteContext& context, const std::string& type,
                          const std::string& case_id, std::optional<std::int64_t> journal_seq,
                          const nlohmann::json& data, Instant now);

}  // namespace redress::storage
