#include "storage/customer_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <variant>

#include "storage/case_rows.h"
#include "storage/case_search.h"

namespace redress::storage {
namespace {

// The customer's own id and every id merged into it, as an SQL condition on `column` binding
// the customer id at ?1.
std::string of_customer(const char* column) {
  return std::string("(") + column + " = ?1 OR " + column +
         " IN (SELECT id FROM customers WHERE merged_into = ?1))";
}

std::vector<Money> sums_by_currency(Statement& s) {
  std::map<std::string, std::int64_t> totals;
  while (s.step()) {
    auto& total = totals[s.column_text(1)];
    total = saturating_add(total, s.column_int(0));
  }
  std::vector<Money> out;
  for (const auto& [currency, amount] : totals) out.push_back(Money{amount, currency});
  return out;
}

Result<CustomerRecord> erase(WriteContext& context, const std::string& id, Instant now) {
  auto record = records::load_customer(context.statements(), id);
  if (!record) return Error::not_found("there is no customer '" + id + "'", "/id");
  if (record->erased_at) return *record;
  std::int64_t rowid = 0;
  {
    auto s = context.statement(
        "UPDATE customers SET name = '', contacts = '{}', addresses = '[]', tags = '[]', "
        "erased_at = ?2, updated_at = ?2 WHERE id = ?1 RETURNING rowid");
    s->bind(1, id).bind(2, to_millis(now));
    s->step();
    rowid = s->column_int(0);
    while (s->step()) {
    }
  }
  auto terms = context.statement("DELETE FROM customer_terms WHERE rowid = ?");
  terms->bind(1, rowid);
  terms->run();
  auto orders = context.statement(
      "UPDATE orders SET details = json_set(details, '$.shipping_address', json('{}')) "
      "WHERE customer_id = ?");
  orders->bind(1, id);
  orders->run();
  return *records::load_customer(context.statements(), id);
}

Result<CustomerRecord> merge(WriteContext& context, const std::string& surviving_id,
                             const std::string& merged_id, const std::string& actor_id,
                             const std::string& reason, const LevelRank& rank, Instant now) {
  if (surviving_id == merged_id) {
    return Error::invalid_field("a customer cannot be merged into itself", "/customer_id",
                                problem_params("same_customer"));
  }
  auto surviving = records::load_customer(context.statements(), surviving_id);
  if (!surviving) return Error::not_found("there is no customer '" + surviving_id + "'", "/id");
  auto merged = records::load_customer(context.statements(), merged_id);
  if (!merged) {
    return Error::not_found("there is no customer '" + merged_id + "'", "/customer_id");
  }
  for (const auto* c : {&*surviving, &*merged}) {
    if (!c->merged_into.empty()) {
      return Error(ErrorCode::kInvalidState,
                   "customer '" + c->id + "' was already merged into '" + c->merged_into + "'",
                   c == &*surviving ? "/id" : "/customer_id",
                   problem_params("customer_merged", {{"merged_into", c->merged_into}}));
    }
  }
  // The survivor gains what it lacks: contacts, tags, and the higher level.
  CustomerInput update;
  update.id = surviving_id;
  auto contacts = surviving->contacts;
  if (contacts.phone.empty()) contacts.phone = merged->contacts.phone;
  if (contacts.email.empty()) contacts.email = merged->contacts.email;
  if (contacts.chat_id.empty()) contacts.chat_id = merged->contacts.chat_id;
  if (!(contacts == surviving->contacts)) update.contacts = contacts;
  std::set<std::string> tags(surviving->tags.begin(), surviving->tags.end());
  tags.insert(merged->tags.begin(), merged->tags.end());
  update.tags = std::vector<std::string>(tags.begin(), tags.end());
  if (surviving->name.empty() && !merged->name.empty()) update.name = merged->name;
  if (surviving->addresses.empty() && !merged->addresses.empty()) {
    update.addresses = merged->addresses;
  }
  if (!merged->level.empty()) update.level = merged->level;
  WriteSource source{WriteSource::Kind::kAssessment, actor_id, "merged with " + merged_id, rank};
  auto written = records::write_customer(context, update, source, now);
  if (!written.ok()) return written.error();

  for (const char* sql :
       {"UPDATE customers SET merged_into = ?1, updated_at = ?3 WHERE id = ?2 OR merged_into = ?2",
        "UPDATE orders SET customer_id = ?1, updated_at = ?3 WHERE customer_id = ?2"}) {
    auto s = context.statement(sql);
    s->bind(1, surviving_id).bind(2, merged_id).bind(3, to_millis(now));
    s->run();
  }
  auto log = context.statement(
      "INSERT INTO customer_level_changes (customer_id, from_level, to_level, source, actor_id, "
      "reason, at) VALUES (?, ?, ?, 'merge', ?, ?, ?)");
  log->bind(1, merged_id)
      .bind(2, merged->level)
      .bind(3, merged->level)
      .bind(4, actor_id)
      .bind(5, "merged into " + surviving_id + (reason.empty() ? "" : ": " + reason))
      .bind(6, to_millis(now));
  log->run();
  return *records::load_customer(context.statements(), surviving_id);
}

}  // namespace

void CustomerStore::write_customer(CustomerInput input, WriteSource source, Instant now,
                                   std::function<void(Result<CustomerRecord>)> done) {
  store_.write<CustomerRecord>(
      [input = std::move(input), source = std::move(source), now](WriteContext& context) {
        return records::write_customer(context, input, source, now);
      },
      std::move(done));
}

void CustomerStore::erase_customer(std::string id, std::string /*actor_id*/, Instant now,
                                   std::function<void(Result<CustomerRecord>)> done) {
  store_.write<CustomerRecord>(
      [id = std::move(id), now](WriteContext& context) { return erase(context, id, now); },
      std::move(done));
}

void CustomerStore::merge_customers(std::string surviving_id, std::string merged_id,
                                    std::string actor_id, std::string reason, LevelRank rank,
                                    Instant now, std::function<void(Result<CustomerRecord>)> done) {
  store_.write<CustomerRecord>(
      [surviving_id = std::move(surviving_id), merged_id = std::move(merged_id),
       actor_id = std::move(actor_id), reason = std::move(reason), rank = std::move(rank),
       now](WriteContext& context) {
        return merge(context, surviving_id, merged_id, actor_id, reason, rank, now);
      },
      std::move(done));
}

void CustomerStore::record_contact_view(std::string customer_id, Actor viewer, std::string case_id,
                                        Instant now,
                                        std::function<void(Result<ContactView>)> done) {
  store_.write<ContactView>(
      [customer_id = std::move(customer_id), viewer = std::move(viewer),
       case_id = std::move(case_id), now](WriteContext& context) -> Result<ContactView> {
        auto s = context.statement(
            "INSERT INTO customer_contact_views (customer_id, viewer_id, viewer_role, case_id, "
            "at) VALUES (?, ?, ?, ?, ?)");
        s->bind(1, customer_id)
            .bind(2, viewer.id)
            .bind(3, role_name(viewer.role))
            .bind_or_null(4, case_id)
            .bind(5, to_millis(now));
        s->run();
        return ContactView{viewer.id, role_name(viewer.role), case_id, now};
      },
      std::move(done));
}

void CustomerStore::write_order(OrderInput input, std::string actor_id, Instant now,
                                std::function<void(Result<OrderRecord>)> done) {
  const auto& catalog = store_.engine().catalog();
  store_.write<OrderRecord>(
      [input = std::move(input), actor_id = std::move(actor_id), now,
       &catalog](WriteContext& context) -> Result<OrderRecord> {
        auto order = records::write_order(context, input, now);
        if (!order.ok() || order.value().customer_id.empty()) return order;
        auto assessed = records::reassess_customer(context, order.value().customer_id,
                                                   catalog.membership_policy(),
                                                   catalog.rfm_policy(), actor_id, now);
        if (!assessed.ok()) return assessed.error();
        return order;
      },
      std::move(done));
}

void CustomerStore::reassess_batch(std::string after_id, size_t limit, Instant now,
                                   std::function<void(Result<std::string>)> done) {
  const auto& catalog = store_.engine().catalog();
  store_.write<std::string>(
      [after_id = std::move(after_id), limit, now,
       &catalog](WriteContext& context) -> Result<std::string> {
        std::vector<std::string> ids;
        {
          auto s = context.statement(
              "SELECT id FROM customers WHERE id > ? AND merged_into IS NULL ORDER BY id LIMIT ?");
          s->bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
          while (s->step()) ids.push_back(s->column_text(0));
        }
        for (const auto& id : ids) {
          auto assessed = records::reassess_customer(context, id, catalog.membership_policy(),
                                                     catalog.rfm_policy(), "system", now);
          if (!assessed.ok()) return assessed.error();
        }
        return ids.empty() ? std::string() : ids.back();
      },
      std::move(done));
}

Result<std::optional<CustomerRecord>> CustomerStore::get_customer(const std::string& id) const {
  return store_.read<std::optional<CustomerRecord>>(
      [&](ReadContext& context) { return records::load_customer(context.statements(), id); });
}

Result<std::vector<CustomerRecord>> CustomerStore::list_customers(const CustomerQuery& q) const {
  if (auto checked = check_listing_limit(q.limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<CustomerRecord>>([&](ReadContext& context) {
    std::string sql = "SELECT id FROM customers WHERE merged_into IS NULL AND id > ?";
    std::vector<std::variant<std::string, std::int64_t>> values{q.after_id};
    if (!q.level.empty()) {
      sql += " AND level = ?";
      values.emplace_back(q.level);
    }
    if (!q.segment.empty()) {
      sql += " AND segment = ?";
      values.emplace_back(q.segment);
    }
    if (!q.text.empty()) {
      // Contacts are compared as stored (the API normalises a phone number and an e-mail the
      // same way on the way in and in the query); names through the full-text index.
      sql +=
          " AND (id = ? OR json_extract(contacts, '$.phone') = ? OR "
          "json_extract(contacts, '$.email') = ? OR json_extract(contacts, '$.chat_id') = ?";
      values.emplace_back(q.text);
      values.emplace_back(q.text);
      values.emplace_back(q.text);
      values.emplace_back(q.text);
      if (auto expression = case_search_expression(q.text)) {
        sql += " OR rowid IN (SELECT rowid FROM customer_terms WHERE customer_terms MATCH ?)";
        values.emplace_back(std::move(*expression));
      }
      sql += ")";
    }
    sql += " ORDER BY id LIMIT ?";
    values.emplace_back(static_cast<std::int64_t>(q.limit));
    std::vector<std::string> ids;
    {
      auto s = context.statement(sql);
      rows::bind_values(*s, values);
      while (s->step()) ids.push_back(s->column_text(0));
    }
    std::vector<CustomerRecord> out;
    for (const auto& id : ids) {
      if (auto record = records::load_customer(context.statements(), id)) {
        out.push_back(std::move(*record));
      }
    }
    return out;
  });
}

Result<CustomerHistorySummary> CustomerStore::history(const std::string& customer_id,
                                                      Instant now) const {
  return store_.read<CustomerHistorySummary>([&](ReadContext& context) {
    CustomerHistorySummary out;
    {
      auto s =
          context.statement("SELECT state, count(*), sum(closed_at IS NULL) FROM cases WHERE " +
                            of_customer("customer_id") + " GROUP BY state");
      s->bind(1, customer_id);
      while (s->step()) {
        out.cases_by_state[s->column_text(0)] = s->column_int(1);
        out.open_cases += s->column_int(2);
      }
    }
    {
      auto s = context.statement("SELECT count(*) FROM cases WHERE " + of_customer("customer_id") +
                                 " AND created_at > ?2");
      s->bind(1, customer_id).bind(2, to_millis(now - std::chrono::days(30)));
      s->step();
      out.cases_last_30_days = s->column_int(0);
    }
    for (auto [days, target] :
         {std::pair{30, &out.granted_30_days}, std::pair{365, &out.granted_365_days}}) {
      auto s = context.statement("SELECT amount, currency FROM compensations WHERE " +
                                 of_customer("customer_id") +
                                 " AND status IN ('approved', 'executed') AND decided_at > ?2");
      s->bind(1, customer_id).bind(2, to_millis(now - std::chrono::days(days)));
      *target = sums_by_currency(*s);
    }
    {
      auto s = context.statement("SELECT id FROM customers WHERE merged_into = ? ORDER BY id");
      s->bind(1, customer_id);
      while (s->step()) out.merged_customers.push_back(s->column_text(0));
    }
    return out;
  });
}

Result<std::vector<OrderRecord>> CustomerStore::orders_of(const std::string& customer_id,
                                                          size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<OrderRecord>>([&](ReadContext& context) {
    std::vector<std::string> ids;
    {
      auto s = context.statement(
          "SELECT id FROM orders WHERE customer_id = ? "
          "ORDER BY coalesce(placed_at, created_at, updated_at) DESC, id DESC LIMIT ?");
      s->bind(1, customer_id).bind(2, static_cast<std::int64_t>(limit));
      while (s->step()) ids.push_back(s->column_text(0));
    }
    std::vector<OrderRecord> out;
    for (const auto& id : ids) {
      if (auto order = records::load_order(context.statements(), id)) {
        out.push_back(std::move(*order));
      }
    }
    return out;
  });
}

Result<std::vector<ContactView>> CustomerStore::contact_views(const std::string& customer_id,
                                                              size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<ContactView>>([&](ReadContext& context) {
    auto s = context.statement(
        "SELECT viewer_id, viewer_role, coalesce(case_id, ''), at FROM customer_contact_views "
        "WHERE customer_id = ? ORDER BY at DESC, id DESC LIMIT ?");
    s->bind(1, customer_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<ContactView> out;
    while (s->step()) {
      out.push_back(
          {s->column_text(0), s->column_text(1), s->column_text(2), from_millis(s->column_int(3))});
    }
    return out;
  });
}

Result<std::vector<LevelChange>> CustomerStore::level_changes(const std::string& customer_id,
                                                              size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<LevelChange>>([&](ReadContext& context) {
    auto s = context.statement(
        "SELECT from_level, to_level, source, actor_id, reason, at FROM customer_level_changes "
        "WHERE customer_id = ? ORDER BY at DESC, id DESC LIMIT ?");
    s->bind(1, customer_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<LevelChange> out;
    while (s->step()) {
      out.push_back({s->column_text(0), s->column_text(1), s->column_text(2), s->column_text(3),
                     s->column_text(4), from_millis(s->column_int(5))});
    }
    return out;
  });
}

Result<std::optional<OrderSummary>> CustomerStore::get_order(const std::string& id,
                                                             const ReadScope& scope) const {
  return store_.read<std::optional<OrderSummary>>(
      [&](ReadContext& context) -> std::optional<OrderSummary> {
        auto order = records::load_order(context.statements(), id);
        if (!order) return std::nullopt;
        OrderSummary out;
        out.order = std::move(*order);
        out.refunded_in_redress = records::order_refunds_in_redress(context.statements(), id);
        std::string sql = "SELECT id FROM cases WHERE order_id = ?";
        std::vector<std::variant<std::string, std::int64_t>> values{id};
        append_scope_condition(scope, "team", "assignee", sql, values);
        sql += " ORDER BY created_at, id LIMIT 100";
        auto s = context.statement(sql);
        rows::bind_values(*s, values);
        while (s->step()) out.case_ids.push_back(s->column_text(0));
        return out;
      });
}

Result<bool> CustomerStore::has_case_in_team(const std::string& customer_id,
                                             const std::string& team) const {
  return store_.read<bool>([&](ReadContext& context) {
    auto s = context.statement("SELECT 1 FROM cases WHERE " + of_customer("customer_id") +
                               " AND team = ?2 LIMIT 1");
    s->bind(1, customer_id).bind(2, team);
    return s->step();
  });
}

}  // namespace redress::storage
