// How one line of an import file is judged: the same reader as a request body (record_input.h),
// so that a line and a POST /v1/customers or PUT /v1/orders/{id} body are held to the same
// rules and get the same messages. A line is UTF-8 JSON text holding one object, at most
// kMaxImportLineBytes long; each problem becomes an ImportLineError with a stable reason code.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/workflow_catalog.h"
#include "storage/import_store.h"

namespace redress::api {

// The longest line an import takes: a record with every member at its own limit fits.
inline constexpr std::size_t kMaxImportLineBytes = 256 * 1024;

// Whether `text` (a line without its end-of-line bytes) is blank: nothing but spaces and tabs.
// Blank lines are skipped (counted as lines, neither applied nor rejected).
bool is_blank_import_line(std::string_view text);

// Judges line `number` of an import of `kind`: the record to write, or its problems.
storage::ImportLine read_import_line(storage::ImportKind kind, std::string_view text,
                                     std::int64_t number, const WorkflowCatalog& catalog);

// The rejection of a line longer than kMaxImportLineBytes (`bytes` long), which is never read.
storage::ImportLine oversized_import_line(std::int64_t number, std::uint64_t bytes);

}  // namespace redress::api
