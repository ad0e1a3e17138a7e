// CustomerStore: the customers and orders Redress keeps records of, and who looked at a
// customer's contact details.
//
// Writes go through the CaseStore's single writer (group commit, one savepoint each) and answer
// through `done`, exactly once, as DirectoryStore's do; reads run on the read-only connections.
// Inputs arrive validated by the API (types, lengths, vocabularies); this store checks what only
// the database can tell: that ids exist, are free, or were merged or erased (see
// customer_records.h for the level rules).
//
// Erasure (a customer's request to be forgotten) blanks the record's name, contacts, addresses
// and tags, the shipping addresses of their orders and their name in the search index, and keeps
// the id, the level, the orders' amounts and every case: the journal never held the personal
// data. Merging moves one customer's orders, contacts it lacks and tags into another and leaves
// the merged record pointing at the survivor; reads by the survivor's id include the merged
// customer's cases and compensations.
//
// Thread-safety: every method may be called from any thread. CustomerStore holds a reference to
// the CaseStore, which must outlive it and every write it queued.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/role.h"
#include "storage/case_store.h"
#include "storage/customer_records.h"

namespace redress::storage {

struct CustomerQuery {
  std::string text;     // an id, a phone number, an e-mail, a chat id, or words of a name
  std::string level;    // exact
  std::string segment;  // exact
  std::string after_id;
  size_t limit = 50;
};

// What the console shows beside a customer: their complaints and what they were granted.
struct CustomerHistorySummary {
  std::map<std::string, std::int64_t> cases_by_state;
  std::int64_t open_cases = 0;
  std::int64_t cases_last_30_days = 0;
  std::vector<Money> granted_30_days;         // approved or executed, by currency
  std::vector<Money> granted_365_days;        // approved or executed, by currency
  std::vector<std::string> merged_customers;  // ids merged into this customer
};

struct ContactView {
  std::string viewer_id;
  std::string viewer_role;
  std::string case_id;
  Instant at{};
};

struct LevelChange {
  std::string from_level;
  std::string to_level;
  std::string source;  // create, manual, import, assessment, merge
  std::string actor_id;
  std::string reason;
  Instant at{};
};

struct OrderSummary {
  OrderRecord order;
  std::vector<Money> refunded_in_redress;  // approved or executed refunds on its cases
  std::vector<std::string> case_ids;       // its cases the reader sees, oldest first (at most 100)
};

class CustomerStore {
 public:
  explicit CustomerStore(CaseStore& store) : store_(store) {}
  CustomerStore(const CustomerStore&) = delete;
  CustomerStore& operator=(const CustomerStore&) = delete;

  // --- writes ----------------------------------------------------------------------------------
  // Writes `input` as `source` says (customer_records.h: write_customer).
  void write_customer(CustomerInput input, WriteSource source, Instant now,
                      std::function<void(Result<CustomerRecord>)> done);
  // NOT_FOUND "/id"; erasing an erased customer succeeds and keeps the first erased_at.
  void erase_customer(std::string id, std::string actor_id, Instant now,
                      std::function<void(Result<CustomerRecord>)> done);
  // Merges `merged_id` into `surviving_id`. NOT_FOUND for either id; INVALID_FIELD "/customer_id"
  // when they are the same; INVALID_STATE when either was merged already. `rank` decides which
  // of the two levels the survivor keeps (the higher).
  void merge_customers(std::string surviving_id, std::string merged_id, std::string actor_id,
                       std::string reason, LevelRank rank, Instant now,
                       std::function<void(Result<CustomerRecord>)> done);
  // Records that `viewer` saw the customer's contact details (for `case_id`, if any).
  void record_contact_view(std::string customer_id, Actor viewer, std::string case_id, Instant now,
                           std::function<void(Result<ContactView>)> done);
  // Writes the order, then reassesses its customer's level and RFM segment (customer_records.h:
  // reassess_customer) with the loaded policies, in the same write.
  void write_order(OrderInput input, std::string actor_id, Instant now,
                   std::function<void(Result<OrderRecord>)> done);
  // Reassesses the customers with id > after_id, at most `limit` of them, in one write: the daily
  // job walks every customer batch by batch, so interactive commands interleave between batches.
  // Answers the last id assessed ("" when there was none: the walk is done).
  void reassess_batch(std::string after_id, size_t limit, Instant now,
                      std::function<void(Result<std::string>)> done);

  // --- reads -----------------------------------------------------------------------------------
  Result<std::optional<CustomerRecord>> get_customer(const std::string& id) const;
  // Customers not merged into another, by id; `limit` 1..kMaxListingRows.
  Result<std::vector<CustomerRecord>> list_customers(const CustomerQuery& query) const;
  Result<CustomerHistorySummary> history(const std::string& customer_id, Instant now) const;
  // The customer's orders (with those of customers merged into them), newest first, at most
  // `limit`.
  Result<std::vector<OrderRecord>> orders_of(const std::string& customer_id, size_t limit) const;
  Result<std::vector<ContactView>> contact_views(const std::string& customer_id,
                                                 size_t limit) const;
  Result<std::vector<LevelChange>> level_changes(const std::string& customer_id,
                                                 size_t limit) const;
  // The order with its refunds (every case's: the cap is the order's) and the ids of its cases
  // that `scope` sees.
  Result<std::optional<OrderSummary>> get_order(const std::string& id,
                                                const ReadScope& scope = {}) const;
  // Whether the customer has a case of `team` (open or closed): what lets an agent of that team
  // see the customer's contact details.
  Result<bool> has_case_in_team(const std::string& customer_id, const std::string& team) const;

 private:
  CaseStore& store_;
};

}  // namespace redress::storage
