#include "storage/case_commands.h"

#include <sqlite3.h>

#include <random>

#include "engine/case_json.h"
#include "storage/case_links.h"
#include "storage/case_parcels.h"
#include "storage/case_rows.h"

namespace redress::storage {
namespace {

// "msg_" + 32 hex digits: the creation time in milliseconds (48 bits), then 80 random bits.
// Random bits keep ids unique across databases (a restored backup must not reuse a webhook id a
// receiver has already seen and deduplicated). The time in front makes ids ascend, so each
// outbox insert lands at the right edge of the webhook_id index; fully random ids put every
// insert on a page of its own, the largest share of the pages a batch of transitions wrote to
// the WAL (38 of 190, measured with the WAL's frame headers).
std::string new_webhook_id(Instant now) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "msg_";
  const auto millis = static_cast<std::uint64_t>(std::max<std::int64_t>(to_millis(now), 0));
  for (int shift = 44; shift >= 0; shift -= 4) id += kHex[(millis >> shift) & 0xf];
  auto bits = rng();
  for (int i = 0; i < 16; ++i, bits >>= 4) id += kHex[bits & 0xf];
  bits = rng();
  for (int i = 0; i < 4; ++i, bits >>= 4) id += kHex[bits & 0xf];
  return id;
}

std::string timer_kind(const std::string& key) {
  const auto colon = key.find(':');
  return colon == std::string::npos ? key : key.substr(0, colon);
}

// The next free "C-<n>". A caller may have chosen such an id itself; those are skipped.
std::string allocate_case_id(WriteContext& context) {
  for (;;) {
    std::string id;
    {
      auto s = context.statement(
          "UPDATE id_sequences SET next_value = next_value + 1 WHERE name = 'case' "
          "RETURNING next_value - 1");
      if (!s->step()) throw SqliteError(SQLITE_CORRUPT, "the case id sequence is missing");
      id = "C-" + std::to_string(s->column_int(0));
    }
    auto taken = context.statement("SELECT 1 FROM cases WHERE id = ?");
    taken->bind(1, id);
    if (!taken->step()) return id;
  }
}

void index_case_text(WriteContext& context, const std::string& case_id, const Event& e) {
  auto text = rows::searchable_text(e);
  if (!text) return;
  context.add_search_text(case_id, e.type, *text);
}

// Inserts the case's row, or updates what changed since `before`.
void save_case_row(WriteContext& context, const CaseSnapshot* before, const CaseSnapshot& snap) {
  const auto columns = rows::case_columns(snap);
  auto s = before ? context.statement(rows::case_update_sql(rows::case_columns(*before), columns))
                  : context.statement(rows::case_insert_sql());
  rows::bind_case_columns(*s, columns);
  s->bind(rows::kCaseColumnCount + 1, snapshot_to_json(snap).dump());
  s->run();
  if (before && sqlite3_changes(context.db().handle()) != 1) {
    throw SqliteError(SQLITE_CORRUPT, "case " + snap.id + ": its row vanished during the write");
  }
}

std::optional<std::int64_t> millis_or_null(const std::optional<Instant>& t) {
  return t ? std::optional(to_millis(*t)) : std::nullopt;
}

// Compensation, promise and approval rows are projections of the snapshot for cross-case queries
// (approval queues, a customer's 30-day compensation, the promise listing); only changed records
// are rewritten.
void project_records(WriteContext& context, const CaseSnapshot* before, const CaseSnapshot& after) {
  std::map<std::string, nlohmann::json> old_compensations;
  std::map<std::string, nlohmann::json> old_approvals;
  if (before) {
    for (const auto& c : before->compensations) old_compensations[c.id] = c;
    for (const auto& a : before->approvals) old_approvals[a.id] = a;
  }
  for (const auto& c : after.compensations) {
    auto old = old_compensations.find(c.id);
    if (old != old_compensations.end() && old->second == nlohmann::json(c)) continue;
    auto s = context.statement(
        "INSERT OR REPLACE INTO compensations (case_id, compensation_id, customer_id, type, "
        "amount, currency, status, proposed_by, required_role, approval_id, decided_by, "
        "reference, proposed_at, decided_at, executed_at, order_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s->bind(1, after.id)
        .bind(2, c.id)
        .bind_or_null(3, after.customer.id)
        .bind(4, c.type)
        .bind(5, c.value.amount)
        .bind(6, c.value.currency)
        .bind(7, c.status)
        .bind(8, c.proposed_by)
        .bind_or_null(9, c.required_role)
        .bind_or_null(10, c.approval_id)
        .bind_or_null(11, c.decided_by)
        .bind_or_null(12, c.reference)
        .bind(13, to_millis(c.proposed_at))
        .bind_or_null(14, millis_or_null(c.decided_at))
        .bind_or_null(15, millis_or_null(c.executed_at))
        .bind_or_null(16, after.order.id);
    s->run();
  }
  // Promise rows carry the case's team and assignee for the promise listing's scope and
  // filters: when the case moves, every one of its rows follows it.
  const bool moved = before && (before->team != after.team || before->assignee != after.assignee);
  std::map<std::string, nlohmann::json> old_promises;
  if (before && !moved) {
    for (const auto& p : before->promises) old_promises[p.id] = p;
  }
  for (const auto& p : after.promises) {
    auto old = old_promises.find(p.id);
    if (old != old_promises.end() && old->second == nlohmann::json(p)) continue;
    auto s = context.statement(rows::kUpsertPromiseSql);
    rows::bind_promise_row(*s, after, p);
    s->run();
  }
  for (const auto& a : after.approvals) {
    auto old = old_approvals.find(a.id);
    if (old != old_approvals.end() && old->second == nlohmann::json(a)) continue;
    auto s = context.statement(
        "INSERT OR REPLACE INTO approvals (case_id, approval_id, kind, subject, required_role, "
        "requested_by, team, status, requested_at, decided_at, decided_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s->bind(1, after.id)
        .bind(2, a.id)
        .bind(3, a.kind)
        .bind(4, a.subject)
        .bind(5, a.required_role)
        .bind(6, a.requested_by)
        .bind_or_null(7, after.team)
        .bind(8, a.status)
        .bind(9, to_millis(a.requested_at))
        .bind_or_null(10, millis_or_null(a.decided_at))
        .bind_or_null(11, a.decided_by);
    s->run();
  }
}

// A FireTimer command first looks at its row: gone means another firing consumed it already; a
// row not yet due must not fire. Returns a rejection in either case.
std::optional<Rejection> check_timer_row(WriteContext& context, const std::string& case_id,
                                         const std::string& key, Instant now) {
  auto s = context.statement("SELECT due_at FROM timers WHERE case_id = ? AND timer_key = ?");
  s->bind(1, case_id).bind(2, key);
  if (!s->step()) {
    return Rejection{
        RejectionCode::kNotFound,
        "case " + case_id + " has no pending timer '" + key + "' (already fired or cancelled)",
        {},
        {}};
  }
  const auto due = from_millis(s->column_int(0));
  if (due > now) {
    return Rejection{RejectionCode::kInvalidState,
                     "timer '" + key + "' is not due until " + format_rfc3339(due),
                     {},
                     {}};
  }
  return std::nullopt;
}

void delete_timer_row(WriteContext& context, const std::string& case_id, const std::string& key) {
  auto s = context.statement("DELETE FROM timers WHERE case_id = ? AND timer_key = ?");
  s->bind(1, case_id).bind(2, key);
  s->run();
}

void upsert_timer_row(WriteContext& context, const std::string& case_id, const CaseTimer& t,
                      Instant now) {
  auto s = context.statement(
      "INSERT OR REPLACE INTO timers (case_id, timer_key, name, kind, due_at, fire_at, set_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  s->bind(1, case_id)
      .bind(2, t.key)
      .bind(3, t.name)
      .bind(4, timer_kind(t.key))
      .bind(5, to_millis(t.due))
      .bind(6, to_millis(t.due))
      .bind(7, to_millis(now));
  s->run();
}

// The engine would not fire a due timer (its workflow version is not loaded, say): keep the row,
// record why, and try again later so it cannot block the timers due after it.
void postpone_timer_row(WriteContext& context, const std::string& case_id, const std::string& key,
                        Instant now, const std::string& why) {
  auto s = context.statement(
      "UPDATE timers SET attempts = attempts + 1, last_error = ?, "
      "fire_at = ? + (60000 << min(attempts, 6)) WHERE case_id = ? AND timer_key = ?");
  s->bind(1, why).bind(2, to_millis(now)).bind(3, case_id).bind(4, key);
  s->run();
}

// What happens to a due timer row when the engine refused to fire it.
void settle_refused_timer(WriteContext& context, const CaseSnapshot& current,
                          const std::string& key, const Rejection& rejection, Instant now) {
  switch (rejection.code) {
    case RejectionCode::kNotFound:
      // The case holds no such timer: the row is stale and can never fire.
      delete_timer_row(context, current.id, key);
      return;
    case RejectionCode::kInvalidState:
      // The row said due but the case's own deadline is later: the case is right.
      if (const auto* t = current.timer(key)) {
        upsert_timer_row(context, current.id, *t, now);
        return;
      }
      break;
    default:
      break;
  }
  postpone_timer_row(context, current.id, key, now,
                     std::string(error_code_name(rejection.code)) + ": " + rejection.message);
}

Rejection record_rejection(const std::string& pointer, std::string message, const char* reason,
                           nlohmann::json params) {
  params["reason"] = reason;
  Rejection r{RejectionCode::kInvalidField, message, {}, {}};
  r.problems.push_back(
      {pointer, std::move(message), RejectionCode::kInvalidField, std::move(params)});
  return r;
}

Rejection error_rejection(const Error& error, const std::string& pointer_prefix) {
  Rejection r{error.code, error.message, {}, {}};
  r.problems.push_back(
      {pointer_prefix + error.pointer, error.message,
       error.code == ErrorCode::kAlreadyExists ? RejectionCode::kInvalidField : error.code,
       error.params.is_object() ? error.params : nlohmann::json::object()});
  return r;
}

// A new case's customer and order as their records say, the inline ones written first. The case
// refers to the surviving customer of a merge. What the records hold now goes into the case's
// creation entry, so replay never reads the records again.
std::optional<Rejection> resolve_case_records(WriteContext& context, const CaseCommand& command,
                                              CreateCase& create) {
  const bool customer_by_id = command.customer_by_reference && !command.customer_record;
  std::optional<CustomerInput> customer_record = command.customer_record;
  if (!customer_record && !command.customer_by_reference && !create.customer.id.empty()) {
    customer_record.emplace();
    customer_record->id = create.customer.id;
    if (!create.customer.segment.empty()) customer_record->segment = create.customer.segment;
    if (!create.customer.tier.empty()) customer_record->level = create.customer.tier;
  }
  if (customer_record) {
    WriteSource source{WriteSource::Kind::kUpsert, command.actor.id, "", command.level_rank};
    auto written = records::write_customer(context, *customer_record, source, command.now);
    if (!written.ok()) return error_rejection(written.error(), "/customer");
  }
  if (!create.customer.id.empty()) {
    const auto surviving = records::surviving_customer_id(context.statements(), create.customer.id);
    if (surviving.empty()) {
      return record_rejection(customer_by_id ? "/customer_id" : "/customer/id",
                              "there is no customer '" + create.customer.id +
                                  "'; create the customer first, or send the customer object",
                              "no_such_customer", {{"customer", create.customer.id}});
    }
    const auto customer = records::load_customer(context.statements(), surviving);
    create.customer.id = surviving;
    create.customer.segment = customer->segment;
    create.customer.tier = customer->level;
  }
  std::optional<OrderInput> order_record = command.order_record;
  if (!order_record && !command.order_by_reference && !create.order.id.empty() &&
      !create.order.paid.currency.empty()) {
    order_record.emplace();
    order_record->id = create.order.id;
    order_record->paid = create.order.paid;
    if (!create.order.refunded.currency.empty()) {
      order_record->refunded_outside = create.order.refunded;
    }
  }
  if (order_record) {
    if (!order_record->customer_id) order_record->customer_id = create.customer.id;
    auto written = records::write_order(context, *order_record, command.now);
    if (!written.ok()) return error_rejection(written.error(), "/order");
  }
  if (!create.order.id.empty()) {
    const auto order = records::load_order(context.statements(), create.order.id);
    const char* pointer =
        command.order_by_reference && !command.order_record ? "/order_id" : "/order/id";
    if (!order && !command.order_by_reference) return std::nullopt;  // an order known by id only
    if (!order) {
      return record_rejection(pointer,
                              "there is no order '" + create.order.id +
                                  "'; record the order first, or send the order object",
                              "no_such_order", {{"order", create.order.id}});
    }
    if (!order->customer_id.empty() && !create.customer.id.empty() &&
        order->customer_id != create.customer.id) {
      return record_rejection(pointer,
                              "order '" + create.order.id + "' belongs to customer '" +
                                  order->customer_id + "', not '" + create.customer.id + "'",
                              "order_of_another_customer",
                              {{"order", create.order.id}, {"customer", order->customer_id}});
    }
    // Refunded before this case: outside Redress and on the order's other cases.
    const auto refunds = records::order_refund_state(context.statements(), order->id, "");
    create.order.paid = order->paid;
    create.order.refunded = refunds->refunded_outside;
    if (refunds->refunded_by_other_cases.currency == create.order.refunded.currency) {
      create.order.refunded.amount =
          saturating_add(create.order.refunded.amount, refunds->refunded_by_other_cases.amount);
    }
  }
  return std::nullopt;
}

// The closed case of the order whose reopen window is still open at `now`, if any: the
// customer's new complaint about the order is that case reopened, not a new case.
struct ReopenableCase {
  std::string case_id;
  ReopenOffer offer;
};
std::optional<ReopenableCase> reopenable_case_of_order(WriteContext& context, const Engine& engine,
                                                       const CreateCase& create, Instant now) {
  for (const auto& id :
       closed_cases_of_order(context, create.order.id, create.workflow_id, create.case_id)) {
    const auto snapshot = load_current_snapshot(context, id);
    if (!snapshot) continue;
    if (auto offer = engine.reopen_offer(*snapshot); offer && now <= offer->window_ends) {
      return ReopenableCase{id, *offer};
    }
  }
  return std::nullopt;
}

Rejection reopen_instead(const ReopenableCase& reopenable, const char* pointer, bool visible) {
  const auto window_ends = format_rfc3339(reopenable.offer.window_ends);
  if (!visible) {
    Rejection r{RejectionCode::kAlreadyExists,
                "a closed case about this order, held by another team, can still be reopened "
                "until " +
                    window_ends + "; ask your team lead or a supervisor to reopen it",
                {},
                {}};
    r.problems.push_back({pointer, r.message, RejectionCode::kAlreadyExists,
                          problem_params("reopen_case_elsewhere", {{"window_ends", window_ends}})});
    return r;
  }
  const auto& transition = reopenable.offer.transition->name;
  Rejection r{RejectionCode::kAlreadyExists,
              "case " + reopenable.case_id + " about this order closed within its reopen window; " +
                  "reopen it (transition " + transition + ", until " + window_ends +
                  ") instead of opening a new case",
              {},
              {}};
  r.problems.push_back({pointer, r.message, RejectionCode::kAlreadyExists,
                        problem_params("reopen_case", {{"case_id", reopenable.case_id},
                                                       {"transition", transition},
                                                       {"window_ends", window_ends}})});
  return r;
}

// A complaint about an order that already has an open case of the same workflow is refused,
// naming that case, unless it comes linked to an existing case (with a reason). One about an
// order whose closed case can still be reopened is refused likewise, pointing at the reopen.
// A link of kind reopen_of names a closed case whose reopen window has passed.
std::optional<Rejection> check_duplicate(WriteContext& context, const Engine& engine,
                                         const CaseCommand& command, const CreateCase& create) {
  // The case a request names or is told about must be one the requester may see: to anyone else
  // it is as missing as an unknown case (read_scope.h).
  const auto visible = [&](const std::string& id) {
    auto s = context.statement("SELECT team, assignee FROM cases WHERE id = ?");
    s->bind(1, id);
    return s->step() && command.scope.sees(s->column_text(0), s->column_text(1));
  };
  if (command.link) {
    if (!visible(command.link->case_id)) {
      return record_rejection("/link/case_id",
                              "there is no case '" + command.link->case_id + "' to link to",
                              "no_such_case", {{"case_id", command.link->case_id}});
    }
    if (command.link->kind == kReopenOfLink) {
      const auto linked = load_current_snapshot(context, command.link->case_id);
      if (!linked || !linked->closed_at) {
        return record_rejection("/link/case_id",
                                "case '" + command.link->case_id +
                                    "' is not closed; a reopen_of link names a closed case",
                                "not_closed", {{"case_id", command.link->case_id}});
      }
      if (auto offer = engine.reopen_offer(*linked); offer && command.now <= offer->window_ends) {
        return reopen_instead({command.link->case_id, *offer}, "/link/case_id", true);
      }
    }
    return std::nullopt;
  }
  if (!command.refuse_open_duplicate) return std::nullopt;
  const char* pointer =
      command.order_by_reference && !command.order_record ? "/order_id" : "/order/id";
  const auto open =
      open_case_of_order(context, create.order.id, create.workflow_id, create.case_id);
  if (open.empty()) {
    const auto reopenable = reopenable_case_of_order(context, engine, create, command.now);
    if (!reopenable) return std::nullopt;
    return reopen_instead(*reopenable, pointer, visible(reopenable->case_id));
  }
  if (!visible(open)) {
    // The rule holds whoever files: one open case per order and workflow. The open case is
    // another team's, so the answer says so without naming it, and whoever may see both files
    // the new one linked.
    Rejection r{RejectionCode::kAlreadyExists,
                "order '" + create.order.id + "' already has an open " + create.workflow_id +
                    " case held by another team; ask your team lead or a supervisor to add to "
                    "it or to file this one linked to it",
                {},
                {}};
    r.problems.push_back({pointer, r.message, RejectionCode::kAlreadyExists,
                          problem_params("open_case_for_order_elsewhere")});
    return r;
  }
  Rejection r{RejectionCode::kAlreadyExists,
              "order '" + create.order.id + "' already has an open " + create.workflow_id +
                  " case, " + open +
                  "; add to that case, or link the new one to it with a reason (link)",
              {},
              {}};
  r.problems.push_back({pointer, r.message, RejectionCode::kAlreadyExists,
                        problem_params("open_case_for_order", {{"case_id", open}})});
  return r;
}

}  // namespace

SnapshotCache::Entry load_current_snapshot(WriteContext& context, const std::string& case_id) {
  auto s = context.statement("SELECT version, snapshot FROM cases WHERE id = ?");
  s->bind(1, case_id);
  if (!s->step()) return nullptr;
  if (auto cached = context.snapshots().find(case_id, s->column_int(0))) return cached;
  return std::make_shared<const CaseSnapshot>(rows::parse_snapshot(s->column_text(1), case_id));
}

std::string write_webhook(WriteContext& context, const std::string& type,
                          const std::string& case_id, std::optional<std::int64_t> journal_seq,
                          const nlohmann::json& data, Instant now) {
  const auto webhook_id = new_webhook_id(now);
  const nlohmann::json payload{{"type", type}, {"timestamp", format_rfc3339(now)}, {"data", data}};
  auto s = context.statement(
      "INSERT INTO outbox (webhook_id, event_type, case_id, journal_seq, payload, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s->bind(1, webhook_id)
      .bind(2, type)
      .bind(3, case_id)
      .bind_or_null(4, journal_seq)
      .bind(5, payload.dump())
      .bind(6, to_millis(now));
  s->run();
  return webhook_id;
}

Result<CommandOutcome> apply_case_command(WriteContext& context, const Engine& engine,
                                          CaseCommand& command) {
  CommandOutcome outcome;
  std::string case_id = command.case_id;
  auto* create = std::get_if<CreateCase>(&command.command.body);
  if (create) {
    if (create->case_id.empty()) create->case_id = allocate_case_id(context);
    case_id = create->case_id;
    auto refused = resolve_case_records(context, command, *create);
    if (!refused) refused = check_duplicate(context, engine, command, *create);
    if (refused) {
      context.discard_changes();
      outcome.rejection = std::move(refused);
      return outcome;
    }
  }
  SnapshotCache::Entry current = load_current_snapshot(context, case_id);
  // A case outside the actor's scope is, to the actor, a case that does not exist.
  if (current && !create && !command.scope.sees(current->team, current->assignee)) {
    current = nullptr;
  }

  const auto* fire = std::get_if<FireTimer>(&command.command.body);
  if (fire && current) {
    if (auto refused = check_timer_row(context, case_id, fire->key, command.now)) {
      outcome.rejection = std::move(refused);
      return outcome;  // nothing was changed
    }
  }

  const std::string customer_id = create    ? create->customer.id
                                  : current ? current->customer.id
                                            : std::string();
  const std::string currency = create    ? create->order.paid.currency
                               : current ? current->order.paid.currency
                                         : std::string();
  auto history = needs_customer_history(command.command.body)
                     ? rows::customer_history(context.statements(), customer_id, case_id, currency,
                                              command.now)
                     : CustomerHistory{};
  if (current && needs_customer_history(command.command.body)) {
    history.order = records::order_refund_state(context.statements(), current->order.id, case_id);
  }
  std::optional<Decision> decided;
  try {
    decided.emplace(engine.decide(current ? &*current : nullptr, command.command, command.actor,
                                  command.now, history));
  } catch (const std::exception& e) {
    if (!(fire && current)) throw;
    // An engine bug on one timer must not wedge the timer queue: back the row off, report it.
    decided.emplace(Rejection{RejectionCode::kInvalidState,
                              std::string("internal error while firing: ") + e.what(),
                              {},
                              {}});
  }
  auto& decision = *decided;
  if (!decision.accepted()) {
    outcome.rejection = decision.rejection();
    if (fire && current) {
      settle_refused_timer(context, *current, fire->key, decision.rejection(), command.now);
    } else if (fire) {
      delete_timer_row(context, case_id, fire->key);  // a row without its case can never fire
    } else {
      context.discard_changes();  // e.g. an allocated case id
    }
    return outcome;
  }
  if (fire && current) delete_timer_row(context, case_id, fire->key);  // consumed with its effects

  auto& accepted = decision.result();
  const CaseSnapshot& snap = accepted.snapshot;
  save_case_row(context, current.get(), snap);
  save_case_parcels(context, engine, current.get(), snap);
  context.snapshots().stage(snap);

  std::int64_t case_seq = 0;
  if (current) {
    auto s =
        context.statement("SELECT coalesce(max(case_seq), 0) FROM case_events WHERE case_id = ?");
    s->bind(1, case_id);
    s->step();
    case_seq = s->column_int(0);
  }
  std::int64_t last_seq = 0;
  for (const auto& effect : accepted.effects) {
    if (const auto* j = std::get_if<JournalAppend>(&effect)) {
      const auto& e = j->event;
      auto s = context.statement(
          "INSERT INTO case_events (case_id, case_seq, case_version, type, at, actor_id, "
          "actor_role, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      s->bind(1, case_id)
          .bind(2, ++case_seq)
          .bind(3, e.case_version)
          .bind(4, e.type)
          .bind(5, to_millis(e.at))
          .bind(6, e.actor_id)
          .bind(7, e.actor_role)
          .bind(8, e.data.dump());
      s->run();
      last_seq = sqlite3_last_insert_rowid(context.db().handle());
      index_case_text(context, case_id, e);
      outcome.events.push_back(StoredEvent{last_seq, case_seq, case_id, e});
    } else if (const auto* t = std::get_if<TimerSet>(&effect)) {
      upsert_timer_row(context, case_id, CaseTimer{t->key, t->name, t->due}, command.now);
    } else if (const auto* c = std::get_if<TimerCancel>(&effect)) {
      delete_timer_row(context, c->case_id, c->key);
    } else if (const auto* w = std::get_if<WebhookEmit>(&effect)) {
      outcome.webhook_ids.push_back(write_webhook(context, w->type, case_id,
                                                  last_seq ? std::optional(last_seq) : std::nullopt,
                                                  w->data, command.now));
    } else if (const auto* a = std::get_if<ApprovalRequest>(&effect)) {
      outcome.approvals_requested.push_back(*a);
    }
  }
  project_records(context, current ? &*current : nullptr, snap);
  if (create && command.link) {
    auto linked = write_case_link(context,
                                  CaseLink{0, case_id, command.link->case_id, command.link->kind,
                                           command.link->reason, command.actor.id, command.now},
                                  command.scope);
    if (!linked.ok()) throw SqliteError(SQLITE_CONSTRAINT, linked.error().message);
  }
  outcome.snapshot = std::move(accepted.snapshot);
  return outcome;
}

}  // namespace redress::storage
