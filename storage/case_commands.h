// Applying one case command inside the writer's transaction: load the case, ask the engine,
// and write what it decided (journal, snapshot, projections, timers, outbox) through the write
// context. The write half of CaseStore; the writer thread (case_writer.h) runs it.
//
// Internal to storage/. Thread-safety: runs only on the writer thread.
#pragma once

#include "engine/engine.h"
#include "storage/case_store.h"

namespace redress::storage {

// Decides `command` against its case and, when accepted, writes every effect. A creation with
// no case id gets one allocated here (so `command` is updated). An engine rejection is an
// outcome, not an error; errors are storage failures.
Result<CommandOutcome> apply_case_command(WriteContext& context, const Engine& engine,
                                          CaseCommand& command);

}  // namespace redress::storage
