// Customer and order records (schema v7): the rows behind a case's customer and order, and the
// writer-side functions that read and write them inside a write's transaction.
//
// The journal refers to a customer only by id; contact details and addresses live in the
// customer's record alone, so erasing a customer (anonymising the record) leaves every case's
// history intact and free of personal data. A merged customer keeps its row with `merged_into`
// naming the surviving customer; reads by customer follow it.
//
// Membership levels are ranked by the shop's membership policy, which storage does not read: the
// caller passes a LevelRank. Levels written by an import or an integration's inline record
// (WriteSource::kUpsert) and by an assessment only ever raise a customer's level; only a person
// (kManual, with a reason) lowers one. Every change is recorded in customer_level_changes.
//
// Thread-safety: the structs are values; the functions run on the writer thread (WriteContext)
// or on one read connection (StatementCache), like case_rows.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/command.h"
#include "engine/customer_policy.h"
#include "engine/money.h"
#include "engine/time.h"
#include "storage/sqlite.h"

namespace redress::storage {

class WriteContext;

struct CustomerContacts {
  std::string phone;    // as normalised by the API: digits with an optional leading '+'
  std::string email;    // lower case
  std::string chat_id;  // the marketplace chat (旺旺, JD chat, ...) id
  bool empty() const { return phone.empty() && email.empty() && chat_id.empty(); }
  bool operator==(const CustomerContacts&) const = default;
};

struct CustomerRecord {
  std::string id;
  std::string name;
  CustomerContacts contacts;
  nlohmann::json addresses = nlohmann::json::array();
  std::vector<std::string> tags;
  std::string level;                              // membership level
  std::string segment;                            // RFM segment
  nlohmann::json rfm = nlohmann::json::object();  // the last RFM assessment
  std::string merged_into;                        // non-empty: merged into that customer
  std::optional<Instant> erased_at;
  Instant created_at{};
  Instant updated_at{};
};

// A write of a customer record: members left unset keep their stored value (empty for a new
// record). `contacts`, `addresses` and `tags` replace the stored value whole.
struct CustomerInput {
  std::string id;
  std::optional<std::string> name;
  std::optional<CustomerContacts> contacts;
  std::optional<nlohmann::json> addresses;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> level;
  std::optional<std::string> segment;
};

struct OrderItem {
  std::string sku;
  std::string title;
  std::int64_t quantity = 1;
  Money unit_price;
};

struct OrderRecord {
  std::string id;
  std::string customer_id;
  std::vector<OrderItem> items;
  Money paid;
  std::optional<Instant> paid_at;
  nlohmann::json shipping_address = nlohmann::json::object();  // personal data
  std::string carrier;
  std::string tracking_number;
  std::string status;
  Money refunded_outside;  // refunded outside Redress
  Instant created_at{};
  Instant updated_at{};
};

// A write of an order record; unset members keep their stored value (a new order needs `paid`).
struct OrderInput {
  std::string id;
  std::optional<std::string> customer_id;
  std::optional<std::vector<OrderItem>> items;
  std::optional<Money> paid;
  std::optional<Instant> paid_at;
  std::optional<nlohmann::json> shipping_address;
  std::optional<std::string> carrier;
  std::optional<std::string> tracking_number;
  std::optional<std::string> status;
  std::optional<Money> refunded_outside;
};

// The rank of a membership level in the shop's policy (higher is better); -1 for a level the
// policy does not know.
using LevelRank = std::function<int(std::string_view level)>;

// Who writes a record, and so which level changes the write may make.
struct WriteSource {
  enum class Kind {
    kCreate,      // a new record (ALREADY_EXISTS when the id is taken); the level as given
    kManual,      // a person's update: NOT_FOUND when absent; may lower a level (with a reason)
    kUpsert,      // an import or an integration's inline record: levels only go up
    kAssessment,  // the shop's own assessment (an order, the daily job): levels only go up
  };
  Kind kind = Kind::kUpsert;
  std::string actor_id;
  std::string level_reason;  // kManual: why the level changed (required for a level change)
  LevelRank rank;            // empty: every level unknown (an upsert then sets only a first level)
};

namespace records {

std::optional<CustomerRecord> load_customer(StatementCache& statements, const std::string& id);
std::optional<OrderRecord> load_order(StatementCache& statements, const std::string& id);
// The customer whose records `id` now lives under: `id` itself, or the customer it was merged
// into. Empty when there is no such record.
std::string surviving_customer_id(StatementCache& statements, const std::string& id);

// Writes `input` as `source` allows. Errors: ALREADY_EXISTS (kCreate), NOT_FOUND (kManual),
// INVALID_STATE (the customer was merged into another, or erased and the write brings personal
// data back through a manual update), INVALID_FIELD "/level_reason" (a manual level change
// without a reason). Answers the record as stored.
Result<CustomerRecord> write_customer(WriteContext& context, const CustomerInput& input,
                                      const WriteSource& source, Instant now);

// Whether write_customer(input, source) would change `stored` (the record as loaded): an import
// line equal to the stored record, or one whose level the source may not take, writes nothing.
bool customer_write_changes(const CustomerRecord& stored, const CustomerInput& input,
                            const WriteSource& source);

// What an import's write of a record did.
enum class RecordWrite { kCreated, kUpdated, kUnchanged };
// write_customer for an import line, loading the stored record once: nothing is written when the
// line would not change it (customer_write_changes). Errors as write_customer's.
Result<RecordWrite> import_customer(WriteContext& context, const CustomerInput& input,
                                    const WriteSource& source, Instant now);

// Inserts or updates an order. A new order needs `paid`; an order's currency never changes.
// Errors: INVALID_FIELD "/paid" (missing on a new order, or another currency),
// INVALID_FIELD "/customer_id" (no such customer). Answers the record as stored.
Result<OrderRecord> write_order(WriteContext& context, const OrderInput& input, Instant now);

// Whether write_order(input) would change `stored`; `surviving_customer` is the customer
// input.customer_id now lives under (surviving_customer_id).
bool order_write_changes(const OrderRecord& stored, const OrderInput& input,
                         const std::string& surviving_customer);

// Assesses the customer's membership level and RFM segment from their orders at `now` (with the
// refunds outside Redress and those approved or executed on their cases) and writes both: the
// level only ever goes up (recorded as an assessment by `actor_id`), the segment and the RFM
// scores are replaced. Either policy may be null (not loaded): that part is skipped. Nothing is
// written when nothing changed. NOT_FOUND when there is no such customer.
Status reassess_customer(WriteContext& context, const std::string& customer_id,
                         const MembershipPolicy* membership, const RfmPolicy* rfm,
                         const std::string& actor_id, Instant now);

// The per-order refund cap's state for a decision on case `case_id` (the case is excluded from
// the other cases' refunds). nullopt: the order has no record.
std::optional<OrderRefundState> order_refund_state(StatementCache& statements,
                                                   const std::string& order_id,
                                                   const std::string& case_id);

// Refunds approved or executed across every case of the order, by currency.
std::vector<Money> order_refunds_in_redress(StatementCache& statements,
                                            const std::string& order_id);

}  // namespace records
}  // namespace redress::storage
