#include "storage/customer_records.h"

#include <sqlite3.h>

#include <map>

#include "engine/compensation_policy.h"
#include "storage/case_search.h"
#include "storage/case_store.h"

namespace redress::storage::records {
namespace {

constexpr const char* kCustomerColumns =
    "rowid, id, name, contacts, addresses, tags, level, segment, rfm, coalesce(merged_into, ''), "
    "erased_at, created_at, updated_at";

nlohmann::json parse_stored_json(const std::string& text, const char* what, const std::string& id) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) {
    throw SqliteError(SQLITE_CORRUPT, std::string(what) + " of '" + id + "' is not JSON");
  }
  return json;
}

nlohmann::json contacts_json(const CustomerContacts& c) {
  nlohmann::json out = nlohmann::json::object();
  if (!c.phone.empty()) out["phone"] = c.phone;
  if (!c.email.empty()) out["email"] = c.email;
  if (!c.chat_id.empty()) out["chat_id"] = c.chat_id;
  return out;
}

CustomerContacts contacts_from_json(const nlohmann::json& j) {
  CustomerContacts c;
  if (!j.is_object()) return c;
  c.phone = j.value("phone", std::string());
  c.email = j.value("email", std::string());
  c.chat_id = j.value("chat_id", std::string());
  return c;
}

struct CustomerRow {
  std::int64_t rowid = 0;
  CustomerRecord record;
};

std::optional<CustomerRow> load_customer_row(StatementCache& statements, const std::string& id) {
  auto s =
      statements.get(std::string("SELECT ") + kCustomerColumns + " FROM customers WHERE id = ?");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  CustomerRow row;
  row.rowid = s->column_int(0);
  auto& r = row.record;
  r.id = s->column_text(1);
  r.name = s->column_text(2);
  r.contacts = contacts_from_json(parse_stored_json(s->column_text(3), "contacts", r.id));
  r.addresses = parse_stored_json(s->column_text(4), "addresses", r.id);
  const auto tags = parse_stored_json(s->column_text(5), "tags", r.id);
  if (tags.is_array()) {
    for (const auto& tag : tags) {
      if (tag.is_string()) r.tags.push_back(tag.get<std::string>());
    }
  }
  r.level = s->column_text(6);
  r.segment = s->column_text(7);
  r.rfm = parse_stored_json(s->column_text(8), "rfm", r.id);
  r.merged_into = s->column_text(9);
  if (auto erased = s->column_optional_int(10)) r.erased_at = from_millis(*erased);
  r.created_at = from_millis(s->column_int(11));
  r.updated_at = from_millis(s->column_int(12));
  return row;
}

void record_level_change(WriteContext& context, const std::string& customer_id,
                         const std::string& from, const std::string& to, const char* source,
                         const std::string& actor_id, const std::string& reason, Instant now) {
  auto s = context.statement(
      "INSERT INTO customer_level_changes (customer_id, from_level, to_level, source, actor_id, "
      "reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  s->bind(1, customer_id)
      .bind(2, from)
      .bind(3, to)
      .bind(4, source)
      .bind(5, actor_id)
      .bind(6, reason)
      .bind(7, to_millis(now));
  s->run();
}

const char* source_name(WriteSource::Kind kind) {
  switch (kind) {
    case WriteSource::Kind::kCreate:
      return "create";
    case WriteSource::Kind::kManual:
      return "manual";
    case WriteSource::Kind::kUpsert:
      return "import";
    case WriteSource::Kind::kAssessment:
      return "assessment";
  }
  return "import";
}

// Whether `to` may replace `from` for a write from `kind`: a person may set any level; anyone
// else only raises it (or sets a first one). An unranked level never replaces a ranked one.
bool level_change_allowed(const WriteSource& source, const std::string& from,
                          const std::string& to) {
  if (to == from) return false;
  if (source.kind == WriteSource::Kind::kManual || source.kind == WriteSource::Kind::kCreate) {
    return true;
  }
  if (from.empty()) return true;
  if (!source.rank) return false;
  const int from_rank = source.rank(from);
  const int to_rank = source.rank(to);
  return to_rank >= 0 && to_rank > from_rank;
}

void index_customer_name(WriteContext& context, std::int64_t rowid, const std::string& id,
                         const std::string& name) {
  auto remove = context.statement("DELETE FROM customer_terms WHERE rowid = ?");
  remove->bind(1, rowid);
  remove->run();
  if (name.empty()) return;
  auto insert = context.statement("INSERT INTO customer_terms (rowid, terms) VALUES (?, ?)");
  insert->bind(1, rowid).bind(2, case_search_terms(id + " " + name));
  insert->run();
}

nlohmann::json tags_json(const std::vector<std::string>& tags) {
  return nlohmann::json(tags);
}

nlohmann::json items_json(const std::vector<OrderItem>& items) {
  auto out = nlohmann::json::array();
  for (const auto& item : items) {
    out.push_back({{"sku", item.sku},
                   {"title", item.title},
                   {"quantity", item.quantity},
                   {"unit_price", money_to_json(item.unit_price)}});
  }
  return out;
}

std::vector<OrderItem> items_from_json(const nlohmann::json& j) {
  std::vector<OrderItem> items;
  if (!j.is_array()) return items;
  for (const auto& e : j) {
    if (!e.is_object()) continue;
    OrderItem item;
    item.sku = e.value("sku", std::string());
    item.title = e.value("title", std::string());
    item.quantity = e.value("quantity", std::int64_t{1});
    if (auto price = e.find("unit_price"); price != e.end() && price->is_object()) {
      item.unit_price.amount = price->value("amount", std::int64_t{0});
      item.unit_price.currency = price->value("currency", std::string());
    }
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

std::optional<CustomerRecord> load_customer(StatementCache& statements, const std::string& id) {
  auto row = load_customer_row(statements, id);
  if (!row) return std::nullopt;
  return std::move(row->record);
}

std::string surviving_customer_id(StatementCache& statements, const std::string& id) {
  auto s = statements.get("SELECT coalesce(merged_into, id) FROM customers WHERE id = ?");
  s->bind(1, id);
  return s->step() ? s->column_text(0) : std::string();
}

namespace {

Result<CustomerRecord> write_customer_over(WriteContext& context, const CustomerInput& input,
                                           const WriteSource& source, Instant now,
                                           const std::optional<CustomerRow>& existing) {
  if (existing && source.kind == WriteSource::Kind::kCreate) {
    return Error(ErrorCode::kAlreadyExists, "customer '" + input.id + "' already exists", "/id");
  }
  if (!existing && source.kind == WriteSource::Kind::kManual) {
    return Error(ErrorCode::kNotFound, "there is no customer '" + input.id + "'", "/id");
  }
  if (existing && !existing->record.merged_into.empty()) {
    return Error(
        ErrorCode::kInvalidState,
        "customer '" + input.id + "' was merged into '" + existing->record.merged_into +
            "'; write to that customer instead",
        "/id", problem_params("customer_merged", {{"merged_into", existing->record.merged_into}}));
  }
  CustomerRecord record;
  if (existing) {
    record = existing->record;
  } else {
    record.id = input.id;
    record.created_at = now;
  }
  const bool brings_personal_data = input.name || input.contacts || input.addresses;
  if (record.erased_at && brings_personal_data && source.kind == WriteSource::Kind::kManual) {
    return Error(ErrorCode::kInvalidState,
                 "customer '" + input.id +
                     "' was erased on request; their details cannot be "
                     "written back",
                 "/id", problem_params("customer_erased"));
  }
  if (record.erased_at && brings_personal_data) {
    // An integration or an import writing the customer again (a new order, a new complaint):
    // the person is back, with the details they gave now.
    record.erased_at.reset();
  }
  if (input.name) record.name = *input.name;
  if (input.contacts) record.contacts = *input.contacts;
  if (input.addresses) record.addresses = *input.addresses;
  if (input.tags) record.tags = *input.tags;
  if (input.segment) record.segment = *input.segment;
  std::string level_before = record.level;
  if (input.level && level_change_allowed(source, record.level, *input.level)) {
    if (source.kind == WriteSource::Kind::kManual && source.level_reason.empty()) {
      return Error::invalid_field(
          "changing customer '" + input.id + "''s membership level needs a reason (level_reason)",
          "/level_reason", problem_params("required"));
    }
    record.level = *input.level;
  }
  record.updated_at = now;

  std::int64_t rowid = 0;
  if (existing) {
    rowid = existing->rowid;
    auto s = context.statement(
        "UPDATE customers SET name = ?, contacts = ?, addresses = ?, tags = ?, level = ?, "
        "segment = ?, erased_at = ?, updated_at = ? WHERE rowid = ?");
    s->bind(1, record.name)
        .bind(2, contacts_json(record.contacts).dump())
        .bind(3, record.addresses.dump())
        .bind(4, tags_json(record.tags).dump())
        .bind(5, record.level)
        .bind(6, record.segment)
        .bind_or_null(7,
                      record.erased_at ? std::optional(to_millis(*record.erased_at)) : std::nullopt)
        .bind(8, to_millis(record.updated_at))
        .bind(9, rowid);
    s->run();
  } else {
    auto s = context.statement(
        "INSERT INTO customers (id, name, contacts, addresses, tags, level, segment, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s->bind(1, record.id)
        .bind(2, record.name)
        .bind(3, contacts_json(record.contacts).dump())
        .bind(4, record.addresses.dump())
        .bind(5, tags_json(record.tags).dump())
        .bind(6, record.level)
        .bind(7, record.segment)
        .bind(8, to_millis(record.created_at))
        .bind(9, to_millis(record.updated_at));
    s->run();
    rowid = sqlite3_last_insert_rowid(context.db().handle());
  }
  if (!existing || input.name) index_customer_name(context, rowid, record.id, record.name);
  if (record.level != level_before) {
    record_level_change(context, record.id, level_before, record.level, source_name(source.kind),
                        source.actor_id, source.level_reason, now);
  }
  return record;
}

}  // namespace

Result<CustomerRecord> write_customer(WriteContext& context, const CustomerInput& input,
                                      const WriteSource& source, Instant now) {
  return write_customer_over(context, input, source, now,
                             load_customer_row(context.statements(), input.id));
}

Result<RecordWrite> import_customer(WriteContext& context, const CustomerInput& input,
                                    const WriteSource& source, Instant now) {
  auto existing = load_customer_row(context.statements(), input.id);
  if (existing && !customer_write_changes(existing->record, input, source)) {
    return RecordWrite::kUnchanged;
  }
  auto written = write_customer_over(context, input, source, now, existing);
  if (!written.ok()) return written.error();
  return existing ? RecordWrite::kUpdated : RecordWrite::kCreated;
}

bool customer_write_changes(const CustomerRecord& stored, const CustomerInput& input,
                            const WriteSource& source) {
  if (!stored.merged_into.empty()) return true;  // the write is refused: let it say why
  if (stored.erased_at && (input.name || input.contacts || input.addresses)) return true;
  if (input.name && *input.name != stored.name) return true;
  if (input.contacts && !(*input.contacts == stored.contacts)) return true;
  if (input.addresses && *input.addresses != stored.addresses) return true;
  if (input.tags && *input.tags != stored.tags) return true;
  if (input.segment && *input.segment != stored.segment) return true;
  return input.level && level_change_allowed(source, stored.level, *input.level);
}

bool order_write_changes(const OrderRecord& stored, const OrderInput& input,
                         const std::string& surviving_customer) {
  if (input.customer_id && !input.customer_id->empty() &&
      surviving_customer != stored.customer_id) {
    return true;
  }
  if (input.paid && *input.paid != stored.paid) return true;
  if (input.refunded_outside && *input.refunded_outside != stored.refunded_outside) {
    return true;
  }
  if (input.items) {
    if (input.items->size() != stored.items.size()) return true;
    for (size_t i = 0; i < stored.items.size(); ++i) {
      const auto& a = (*input.items)[i];
      const auto& b = stored.items[i];
      if (a.sku != b.sku || a.title != b.title || a.quantity != b.quantity ||
          a.unit_price != b.unit_price) {
        return true;
      }
    }
  }
  if (input.paid_at && input.paid_at != stored.paid_at) return true;
  if (input.shipping_address && *input.shipping_address != stored.shipping_address) return true;
  if (input.carrier && *input.carrier != stored.carrier) return true;
  if (input.tracking_number && *input.tracking_number != stored.tracking_number) return true;
  return input.status && *input.status != stored.status;
}

std::optional<OrderRecord> load_order(StatementCache& statements, const std::string& id) {
  auto s = statements.get(
      "SELECT id, coalesce(customer_id, ''), paid_amount, currency, refunded_amount, placed_at, "
      "details, status, coalesce(created_at, updated_at), updated_at FROM orders WHERE id = ?");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  OrderRecord o;
  o.id = s->column_text(0);
  o.customer_id = s->column_text(1);
  o.paid = Money{s->column_int(2), s->column_text(3)};
  o.refunded_outside = Money{s->column_int(4), o.paid.currency};
  if (auto paid_at = s->column_optional_int(5)) o.paid_at = from_millis(*paid_at);
  const auto details = parse_stored_json(s->column_text(6), "order details", o.id);
  if (details.is_object()) {
    o.items = items_from_json(details.value("items", nlohmann::json::array()));
    o.shipping_address = details.value("shipping_address", nlohmann::json::object());
    o.carrier = details.value("carrier", std::string());
    o.tracking_number = details.value("tracking_number", std::string());
  }
  o.status = s->column_text(7);
  o.created_at = from_millis(s->column_int(8));
  o.updated_at = from_millis(s->column_int(9));
  return o;
}

Result<OrderRecord> write_order(WriteContext& context, const OrderInput& input, Instant now) {
  auto existing = load_order(context.statements(), input.id);
  OrderRecord order;
  if (existing) {
    order = *existing;
  } else {
    if (!input.paid) {
      return Error::invalid_field("order '" + input.id + "' is new: give its paid amount", "/paid",
                                  problem_params("required"));
    }
    order.id = input.id;
    order.created_at = now;
  }
  if (input.customer_id && !input.customer_id->empty()) {
    const auto surviving = surviving_customer_id(context.statements(), *input.customer_id);
    if (surviving.empty()) {
      return Error::invalid_field(
          "there is no customer '" + *input.customer_id + "'", "/customer_id",
          problem_params("no_such_customer", {{"customer", *input.customer_id}}));
    }
    order.customer_id = surviving;
  }
  if (input.paid) {
    if (existing && input.paid->currency != existing->paid.currency) {
      return Error::invalid_field(
          "order '" + input.id + "' was paid in " + existing->paid.currency +
              "; its currency cannot change to " + input.paid->currency,
          "/paid/currency",
          problem_params("order_currency", {{"expected_currency", existing->paid.currency}}));
    }
    order.paid = *input.paid;
  }
  if (input.refunded_outside) {
    if (input.refunded_outside->currency != order.paid.currency) {
      return Error::invalid_field(
          "the refunded amount must be in the order's currency, " + order.paid.currency,
          "/refunded/currency",
          problem_params("order_currency", {{"expected_currency", order.paid.currency}}));
    }
    order.refunded_outside = *input.refunded_outside;
  }
  if (order.refunded_outside.currency.empty())
    order.refunded_outside.currency = order.paid.currency;
  if (order.refunded_outside.amount > order.paid.amount) {
    return Error::invalid_field(
        "the amount refunded outside Redress exceeds what the order paid", "/refunded",
        problem_params("refund_exceeds_refundable", {{"refundable", money_to_json(order.paid)}}));
  }
  if (input.items) order.items = *input.items;
  if (input.paid_at) order.paid_at = *input.paid_at;
  if (input.shipping_address) order.shipping_address = *input.shipping_address;
  if (input.carrier) order.carrier = *input.carrier;
  if (input.tracking_number) order.tracking_number = *input.tracking_number;
  if (input.status) order.status = *input.status;
  order.updated_at = now;
  const nlohmann::json details{{"items", items_json(order.items)},
                               {"shipping_address", order.shipping_address},
                               {"carrier", order.carrier},
                               {"tracking_number", order.tracking_number}};
  auto s = context.statement(
      "INSERT INTO orders (id, customer_id, paid_amount, currency, refunded_amount, placed_at, "
      "details, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, "
      "paid_amount = excluded.paid_amount, refunded_amount = excluded.refunded_amount, "
      "placed_at = excluded.placed_at, details = excluded.details, status = excluded.status, "
      "updated_at = excluded.updated_at");
  s->bind(1, order.id)
      .bind_or_null(2, order.customer_id)
      .bind(3, order.paid.amount)
      .bind(4, order.paid.currency)
      .bind(5, order.refunded_outside.amount)
      .bind_or_null(6, order.paid_at ? std::optional(to_millis(*order.paid_at)) : std::nullopt)
      .bind(7, details.dump())
      .bind(8, order.status)
      .bind(9, to_millis(order.created_at))
      .bind(10, to_millis(order.updated_at));
  s->run();
  return order;
}

namespace {

std::map<std::string, std::int64_t> refunds_by_currency(StatementCache& statements,
                                                        const std::string& order_id,
                                                        const std::string& excluded_case) {
  auto s = statements.get(
      "SELECT type, amount, currency FROM compensations "
      "WHERE order_id = ? AND status IN ('approved', 'executed') AND case_id <> ?");
  s->bind(1, order_id).bind(2, excluded_case);
  std::map<std::string, std::int64_t> totals;
  while (s->step()) {
    const auto type = parse_compensation_type(s->column_text(0));
    if (!type || !is_refund(*type)) continue;
    auto& total = totals[s->column_text(2)];
    total = saturating_add(total, s->column_int(1));
  }
  return totals;
}

}  // namespace

Status reassess_customer(WriteContext& context, const std::string& customer_id,
                         const MembershipPolicy* membership, const RfmPolicy* rfm,
                         const std::string& actor_id, Instant now) {
  if (!membership && !rfm) return Status::Ok();
  auto customer = load_customer(context.statements(), customer_id);
  if (!customer) return Error::not_found("there is no customer '" + customer_id + "'", "/id");
  // The most recent orders are far more than any window holds; older ones never count.
  std::vector<PurchaseRecord> purchases;
  {
    auto s = context.statement(
        "SELECT id, paid_amount, currency, refunded_amount, coalesce(placed_at, created_at, "
        "updated_at) FROM orders WHERE customer_id = ? ORDER BY 5 DESC LIMIT 10000");
    s->bind(1, customer_id);
    while (s->step()) {
      purchases.push_back({s->column_text(0), Money{s->column_int(1), s->column_text(2)},
                           Money{s->column_int(3), s->column_text(2)},
                           from_millis(s->column_int(4))});
    }
  }
  for (auto& purchase : purchases) {
    for (const auto& refunded : order_refunds_in_redress(context.statements(), purchase.order_id)) {
      if (refunded.currency == purchase.refunded.currency) {
        purchase.refunded.amount = saturating_add(purchase.refunded.amount, refunded.amount);
      }
    }
  }
  CustomerInput update;
  update.id = customer_id;
  bool changed = false;
  if (membership) {
    const auto earned = assess_membership(*membership, purchases, now);
    const auto level = level_after_assessment(*membership, customer->level, earned.level);
    if (level != customer->level) {
      update.level = level;
      changed = true;
    }
  }
  nlohmann::json scores;
  if (rfm) {
    const auto assessed = assess_rfm(*rfm, purchases, now);
    scores = {{"recency", assessed.recency},
              {"frequency", assessed.frequency},
              {"monetary", assessed.monetary},
              {"segment", assessed.segment},
              {"net_spend", money_to_json(assessed.net_spend)},
              {"orders_counted", assessed.orders_counted},
              {"last_order_at", assessed.last_order_at
                                    ? nlohmann::json(format_rfc3339(*assessed.last_order_at))
                                    : nlohmann::json(nullptr)},
              {"orders_not_converted", assessed.orders_not_converted}};
    if (assessed.segment != customer->segment) {
      update.segment = assessed.segment;
      changed = true;
    }
  }
  if (changed && update.level) {
    const WriteSource source{WriteSource::Kind::kAssessment, actor_id, "",
                             [membership](std::string_view level) {
                               return membership ? level_rank(*membership, level) : -1;
                             }};
    if (auto written = write_customer(context, update, source, now); !written.ok()) {
      return written.error();
    }
  } else if (changed) {
    // Only the segment moved (the common case, and every new customer's first order): the two
    // columns alone, not the whole row. Rewriting contacts and addresses would rewrite the
    // contact indexes too, which a bulk import of orders pays for on every customer.
    auto s = context.statement("UPDATE customers SET segment = ?, updated_at = ? WHERE id = ?");
    s->bind(1, *update.segment).bind(2, to_millis(now)).bind(3, customer_id);
    s->run();
  }
  if (rfm) {
    // The scores carry no time of their own, so an unchanged assessment writes nothing.
    auto previous = customer->rfm;
    if (previous.is_object()) previous.erase("assessed_at");
    if (previous != scores) {
      scores["assessed_at"] = format_rfc3339(now);
      auto s = context.statement("UPDATE customers SET rfm = ? WHERE id = ?");
      s->bind(1, scores.dump()).bind(2, customer_id);
      s->run();
    }
  }
  return Status::Ok();
}

std::optional<OrderRefundState> order_refund_state(StatementCache& statements,
                                                   const std::string& order_id,
                                                   const std::string& case_id) {
  if (order_id.empty()) return std::nullopt;
  auto order = load_order(statements, order_id);
  if (!order) return std::nullopt;
  OrderRefundState state;
  state.paid = order->paid;
  state.refunded_outside = order->refunded_outside;
  state.refunded_by_other_cases = Money{0, order->paid.currency};
  for (const auto& [currency, amount] : refunds_by_currency(statements, order_id, case_id)) {
    if (currency == order->paid.currency || state.refunded_by_other_cases.amount == 0) {
      state.refunded_by_other_cases = Money{amount, currency};
    }
  }
  return state;
}

std::vector<Money> order_refunds_in_redress(StatementCache& statements,
                                            const std::string& order_id) {
  std::vector<Money> out;
  for (const auto& [currency, amount] : refunds_by_currency(statements, order_id, "")) {
    out.push_back(Money{amount, currency});
  }
  return out;
}

}  // namespace redress::storage::records
