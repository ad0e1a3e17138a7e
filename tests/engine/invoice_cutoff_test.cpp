// The cutoff duration kind ("cutoff 15:00": 开发票, requests received before 15:00 on a working
// day are issued that day, later ones the next working day) on the shipped cn_office calendar,
// and the invoice-request workflow whose resolution target it is: deadlines either side of the
// cutoff, on a Friday (cn_office works Saturday mornings), before a holiday and around make-up
// working days; warnings, pauses, breach, the finance integration. Fake time only.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

namespace {

using redress::BusinessCalendar;
using redress::Duration;

// engine_cases::at under a name of its own: other suites of this module define an `at` of their
// own in their anonymous namespace, and the test command compiles them in one unity batch.
Instant cutoff_at(const char* text) {
  return redress::testing::engine_cases::at(text);
}

const BusinessCalendar& cn_office() {
  const auto* cal = shipped()->calendar("cn_office");
  BOOST_REQUIRE(cal);
  return *cal;
}

// The deadline of a request received at `received` under "cutoff 15:00", as UTC text.
std::string due_for(const char* received) {
  const auto cutoff = redress::parse_duration("cutoff 15:00");
  BOOST_REQUIRE(cutoff.ok());
  return iso(cn_office().add(cutoff_at(received), cutoff.value()));
}

CreateCase invoice(const std::string& id, json fields = {{"title_type", "company"},
                                                         {"invoice_title", "杭州好物贸易有限公司"},
                                                         {"tax_id", "91330106MA2KXXXX1X"},
                                                         {"invoice_type", "electronic"},
                                                         {"email", "finance@haowu.example"}}) {
  auto c = other(id, "invoice_request", std::move(fields));
  c.assignee = kAgent.id;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(invoice_cutoff)

BOOST_AUTO_TEST_CASE(cutoff_parses_formats_and_round_trips) {
  for (const auto& [text, minute] : std::vector<std::pair<std::string, int>>{
           {"cutoff 15:00", 900}, {"cutoff 00:00", 0}, {"cutoff 23:59", 1439}}) {
    BOOST_TEST_CONTEXT(text) {
      const auto d = redress::parse_duration(text);
      BOOST_REQUIRE(d.ok());
      BOOST_TEST(d.value().is_cutoff());
      BOOST_TEST(d.value().cutoff_minute == minute);
      BOOST_TEST(redress::format_duration(d.value()) == text);
    }
  }
  // The other kinds are unchanged and are not cutoffs.
  BOOST_TEST(!redress::parse_duration("4h business").value().is_cutoff());
}

BOOST_AUTO_TEST_CASE(malformed_cutoffs_say_what_is_wrong) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"cutoff", "the time of day is missing"},
      {"cutoff ", "the time of day is missing"},
      {"cutoff 25:00", "'25:00' is not a time of day"},
      {"cutoff 24:00", "'24:00' is not a time of day"},
      {"cutoff 15:60", "'15:60' is not a time of day"},
      {"cutoff 9:30", "is not a time of day"},
      {"cutoff 15", "'15' is not a time of day"},
      {"cutoff 15:00 business", "nothing may follow the time ('business')"},
      {"cutoff 15:00 calendar", "nothing may follow the time ('calendar')"},
      {"cutoff 15:00 ", "nothing may follow the time"},
      {"cutoff15:00", "'cutoff' must be followed by a single space"},
      {"cutoff  15:00", "is not a time of day"},
  };
  for (const auto& [text, why] : cases) {
    BOOST_TEST_CONTEXT("'" << text << "'") {
      const auto d = redress::parse_duration(text);
      BOOST_REQUIRE(!d.ok());
      BOOST_TEST(d.error().code == redress::ErrorCode::kBadDuration);
      BOOST_TEST(d.error().message.find("'" + text + "'") != std::string::npos, d.error().message);
      BOOST_TEST(d.error().message.find(why) != std::string::npos, d.error().message);
      BOOST_TEST(d.error().message.find("\"cutoff HH:MM\"") != std::string::npos);
    }
  }
  // Not a cutoff at all: the general form is explained.
  BOOST_TEST(redress::parse_duration("Cutoff 15:00")
                 .error()
                 .message.find("<count><m|h|d> <business|calendar>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(either_side_of_the_cutoff_on_a_weekday) {
  // Monday 2026-11-23; cn_office closes at 18:00 (+08) = 10:00Z.
  BOOST_TEST(due_for("2026-11-23T14:59:00+08:00") == "2026-11-23T10:00:00Z");
  BOOST_TEST(due_for("2026-11-23T14:59:59.999+08:00") == "2026-11-23T10:00:00Z");
  BOOST_TEST(due_for("2026-11-23T15:00:00+08:00") == "2026-11-24T10:00:00Z");
  // Before opening and in the lunch break still count as before the cutoff.
  BOOST_TEST(due_for("2026-11-23T07:30:00+08:00") == "2026-11-23T10:00:00Z");
  BOOST_TEST(due_for("2026-11-23T12:30:00+08:00") == "2026-11-23T10:00:00Z");
  BOOST_TEST(due_for("2026-11-23T19:00:00+08:00") == "2026-11-24T10:00:00Z");
  // Just after midnight belongs to the new local day (16:30Z is 00:30 Tuesday in Shanghai).
  BOOST_TEST(due_for("2026-11-23T16:30:00Z") == "2026-11-24T10:00:00Z");
}

BOOST_AUTO_TEST_CASE(friday_afternoon_goes_to_saturday_mornings_closing) {
  // cn_office works Saturdays 09:00-12:00: the next working day after Friday is Saturday, and
  // its closing time is 12:00.
  BOOST_TEST(due_for("2026-11-27T14:00:00+08:00") == "2026-11-27T10:00:00Z");
  BOOST_TEST(due_for("2026-11-27T15:00:00+08:00") == "2026-11-28T04:00:00Z");
  // On Saturday itself: before closing (and the cutoff) that day; after closing at 12:00 it is
  // Monday even though 13:00 is before the cutoff, since the day has no working time left.
  BOOST_TEST(due_for("2026-11-28T10:00:00+08:00") == "2026-11-28T04:00:00Z");
  BOOST_TEST(due_for("2026-11-28T12:00:00+08:00") == "2026-11-30T10:00:00Z");
  BOOST_TEST(due_for("2026-11-28T13:00:00+08:00") == "2026-11-30T10:00:00Z");
  // Sunday is not worked: Monday.
  BOOST_TEST(due_for("2026-11-29T10:00:00+08:00") == "2026-11-30T10:00:00Z");
}

BOOST_AUTO_TEST_CASE(the_day_before_a_holiday) {
  // Wed 2026-09-30, the day before National Day (Oct 1-7): before 15:00 that day, after it the
  // first day back, Thu Oct 8.
  BOOST_TEST(due_for("2026-09-30T14:30:00+08:00") == "2026-09-30T10:00:00Z");
  BOOST_TEST(due_for("2026-09-30T15:00:00+08:00") == "2026-10-08T10:00:00Z");
  BOOST_TEST(due_for("2026-10-03T10:00:00+08:00") == "2026-10-08T10:00:00Z");
  // New Year's Eve 2026 (Thursday): Jan 1-3 are off, the next working day is Mon Jan 4.
  BOOST_TEST(due_for("2026-12-31T16:00:00+08:00") == "2027-01-04T10:00:00Z");
}

BOOST_AUTO_TEST_CASE(make_up_working_days_count_with_their_hours) {
  // Sat 2026-10-10 is a make-up day with Monday's hours: it closes at 18:00, not 12:00.
  BOOST_TEST(due_for("2026-10-09T15:30:00+08:00") == "2026-10-10T10:00:00Z");
  BOOST_TEST(due_for("2026-10-10T14:00:00+08:00") == "2026-10-10T10:00:00Z");
  // Sun 2026-09-20 is worked too: a Saturday-afternoon request is due that Sunday evening.
  BOOST_TEST(due_for("2026-09-19T15:30:00+08:00") == "2026-09-20T10:00:00Z");
  BOOST_TEST(due_for("2026-09-20T15:00:00+08:00") == "2026-09-21T10:00:00Z");
}

BOOST_AUTO_TEST_CASE(the_invoice_resolution_clock_runs_to_the_closing_time) {
  CaseRun r(shipped(), cutoff_at("2026-11-23T14:59:00+08:00"));
  r.run(kAgent, invoice("INV-1"));
  BOOST_TEST(r.webhook_seen("case.created"));
  BOOST_TEST(r.webhook_seen("invoice.requested"));
  const auto* res = r.snap().sla("resolution");
  BOOST_REQUIRE(res);
  BOOST_TEST(iso(res->due) == "2026-11-23T10:00:00Z");
  // Measured in working time: 14:59 to 18:00 is 181 working minutes; the warning comes at 80 %
  // of them (144m48s), at 17:23:48.
  BOOST_TEST(res->business);
  BOOST_TEST(res->target_ms == 181 * 60 * 1000);
  BOOST_TEST(iso(res->warn_at) == "2026-11-23T09:23:48Z");
  BOOST_REQUIRE(r.snap().timer("sla:resolution:breach"));
  BOOST_TEST(iso(r.snap().timer("sla:resolution:breach")->due) == "2026-11-23T10:00:00Z");

  // One minute later the request is tomorrow's: Mon 15:00-18:00 (3h) + Tue 7h30m = 10h30m; the
  // warning at 8h24m falls on Tuesday at 15:54.
  CaseRun late(shipped(), cutoff_at("2026-11-23T15:00:00+08:00"));
  late.run(kAgent, invoice("INV-2"));
  const auto* next_day = late.snap().sla("resolution");
  BOOST_TEST(iso(next_day->due) == "2026-11-24T10:00:00Z");
  BOOST_TEST(next_day->target_ms == (10 * 60 + 30) * 60 * 1000);
  BOOST_TEST(iso(next_day->warn_at) == "2026-11-24T07:54:00Z");
}

BOOST_AUTO_TEST_CASE(a_late_invoice_warns_then_breaches_like_any_sla) {
  // Friday 15:00: due at Saturday's closing, 12:00.
  CaseRun r(shipped(), cutoff_at("2026-11-27T15:00:00+08:00"));
  r.run(kAgent, invoice("INV-3"));
  BOOST_TEST(iso(r.snap().sla("resolution")->due) == "2026-11-28T04:00:00Z");
  r.advance_to(cutoff_at("2026-11-28T11:59:00+08:00"));
  BOOST_TEST(r.snap().sla("resolution")->warned);
  BOOST_TEST(!r.snap().sla("resolution")->breached);
  BOOST_TEST(r.webhook_seen("case.sla_warning"));
  r.advance_to(cutoff_at("2026-11-28T12:00:00+08:00"));
  BOOST_TEST(r.snap().sla("resolution")->breached);
  BOOST_TEST(r.webhook_seen("case.sla_breached"));
  // Issued late: the clock is met, marked late.
  r.now = cutoff_at("2026-11-30T09:30:00+08:00");
  r.fire(kIntegration, "issue", {{"invoice_number", "26332000000123456789"}});
  BOOST_TEST(r.snap().state == "issued");
  BOOST_TEST(r.snap().sla("resolution")->status == "met");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(waiting_for_the_customer_pauses_the_cutoff_clock) {
  // Monday 10:00: due 18:00, 390 working minutes. At 11:00 (60 used) the agent asks the customer
  // for the right tax id; the customer answers Tuesday 10:00. The deadline moves on by the
  // working time spent waiting: 330 minutes from Tue 10:00 is Tue 17:00.
  CaseRun r(shipped(), cutoff_at("2026-11-23T10:00:00+08:00"));
  r.run(kAgent, invoice("INV-4"));
  BOOST_TEST(r.snap().sla("resolution")->target_ms == 390 * 60 * 1000);
  r.now = cutoff_at("2026-11-23T11:00:00+08:00");
  r.fire(kAgent, "ask_customer", {{"note", "税号少了一位，请客户重新提供"}});
  BOOST_TEST(r.snap().sla("resolution")->status == "paused");
  BOOST_TEST(r.snap().sla("resolution")->consumed_ms == 60 * 60 * 1000);
  BOOST_TEST(!r.snap().timer("sla:resolution:breach"));
  r.now = cutoff_at("2026-11-24T10:00:00+08:00");
  r.fire(kIntegration, "customer_corrected", {{"tax_id", "91330106MA2KXXXX1Y"}});
  const auto* res = r.snap().sla("resolution");
  BOOST_TEST(res->status == "running");
  BOOST_TEST(iso(res->due) == "2026-11-24T09:00:00Z");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(finance_issues_or_sends_back_through_the_integration) {
  CaseRun r(shipped(), cutoff_at("2026-11-23T10:00:00+08:00"));
  r.run(kAgent, invoice("INV-5"));
  r.fire(kAgent, "send_to_finance");
  BOOST_TEST(r.snap().state == "with_finance");
  BOOST_TEST(r.snap().sla("first_response")->status == "met");
  BOOST_TEST(r.webhook_seen("invoice.sent_to_finance"));
  // Finance refuses: the request goes back to the agent with the reason.
  r.fire(kIntegration, "finance_reject", {{"finance_rejection_reason", "抬头与税号不一致"}});
  BOOST_TEST(r.snap().state == "requested");
  BOOST_TEST(r.snap().assignee == kAgent.id);
  BOOST_TEST(r.webhook_seen("invoice.rejected_by_finance"));
  r.fire(kAgent, "send_to_finance", {{"invoice_title", "杭州好物贸易有限公司（总部）"}});
  // The integration reports it issued with the invoice number; the request is done.
  r.fire(kIntegration, "issue", {{"invoice_number", "26332000000123456789"}});
  BOOST_TEST(r.snap().state == "issued");
  BOOST_TEST(r.snap().fields.at("invoice_number") == "26332000000123456789");
  BOOST_TEST(r.snap().sla("resolution")->status == "met");
  const auto* issued = find_webhook(r.last_effects, "invoice.issued");
  BOOST_REQUIRE(issued);
  BOOST_TEST(issued->data.at("transition") == "issue");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(finance_gets_what_an_invoice_needs) {
  // A company invoice without a taxpayer id, an electronic one without an e-mail: not sent.
  CaseRun r(shipped(), cutoff_at("2026-11-23T10:00:00+08:00"));
  r.run(kAgent, invoice("INV-6", {{"title_type", "company"},
                                  {"invoice_title", "杭州好物贸易有限公司"},
                                  {"invoice_type", "paper"}}));
  const auto refused =
      r.attempt(kAgent, redress::FireTransition{"send_to_finance", json::object()});
  BOOST_TEST(!refused.accepted());
  r.fire(kAgent, "send_to_finance", {{"tax_id", "91330106MA2KXXXX1X"}});
  BOOST_TEST(r.snap().state == "with_finance");

  CaseRun personal(shipped(), cutoff_at("2026-11-23T10:00:00+08:00"));
  personal.run(kAgent, invoice("INV-7", {{"title_type", "personal"},
                                         {"invoice_title", "张伟"},
                                         {"invoice_type", "electronic"}}));
  BOOST_TEST(!personal.attempt(kAgent, redress::FireTransition{"send_to_finance", json::object()})
                  .accepted());
  personal.fire(kAgent, "send_to_finance", {{"email", "zhangwei@example.com"}});
  BOOST_TEST(personal.snap().state == "with_finance");
  // Finance's words are its own: an agent cannot edit the invoice number outside a transition.
  const auto edit = personal.attempt(kAgent, redress::UpdateFields{json{{"invoice_number", "1"}}});
  BOOST_REQUIRE(!edit.accepted());
  BOOST_TEST(pointers_of(edit) == std::vector<std::string>{"/fields/invoice_number"});
}

BOOST_AUTO_TEST_SUITE_END()
