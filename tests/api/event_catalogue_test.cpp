// The catalogues of event types in the OpenAPI document (components.schemas.JournalEventType and
// the `webhooks` section) against the engine: every journal type the engine writes is listed,
// every listed type is one replay accepts (and the reverse), every built-in webhook type the
// engine sends is documented with its payload, and nothing documented is never sent. Consoles
// render the journal in words from this catalogue, so a type missing from it would show raw.
//
// What the engine writes is read from its source: the string literals passed to emit(...) and
// webhook(...) in the engine's decision sources (both arms of a `cond ? "a" : "b"` included), and
// the types apply_event compares against in engine/case_snapshot.cpp. Storage sends webhook types
// of its own (parcel.event, for a carrier's event): those are the literals in the calls to
// write_webhook(...) in storage/'s sources, built-in like the engine's. Types a workflow definition
// declares (`emit`) are data, not code: WebhookEventType lists only the built-in ones, and the
// `webhooks` section documents those the shipped workflows in workflows/ declare, each marked
// with the workflows that declare it (`x-workflows`), so a finance or messaging system can
// subscribe to invoice.issued knowing its payload.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "api/routes/openapi.h"
#include "engine/case_snapshot.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace {

using Types = std::set<std::string>;

std::string source(const std::string& path) {
  std::ifstream in(std::string(REDRESS_SOURCE_DIR) + "/" + path);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every source file of the engine that decides what to emit: the decision builder, the command
// handlers and case creation. A new file that emits events must be listed here; the scan's
// lower bounds below notice a file whose emits the list lost.
std::string decision_sources() {
  std::string text;
  for (const char* path : {"engine/engine.cpp", "engine/decision_builder.h",
                           "engine/command_handlers.cpp", "engine/case_creation.cpp"}) {
    text += source(path);
  }
  return text;
}

// The event-type literals passed to `function(` in `text`.
Types literals_passed_to(const std::string& text, const std::string& function) {
  // function( [cond ?] "a.b" [: "c.d"]
  const std::regex call("\\b" + function +
                        "\\(\\s*(?:[^\"();]*\\?\\s*)?\"([a-z_]+\\.[a-z_]+)\"(?:\\s*:\\s*\"([a-z_]+"
                        "\\.[a-z_]+)\")?");
  Types found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), call); it != std::sregex_iterator();
       ++it) {
    found.insert((*it)[1].str());
    if ((*it)[2].matched) found.insert((*it)[2].str());
  }
  return found;
}

// The event-type literals among the arguments of each call to `function(` in `text` (up to the
// end of its statement), for calls whose type is not the first argument.
Types literals_among_arguments_of(const std::string& text, const std::string& function) {
  const std::regex call("\\b" + function + "\\([^;]*?\"([a-z_]+\\.[a-z_]+)\"");
  Types found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), call); it != std::sregex_iterator();
       ++it) {
    found.insert((*it)[1].str());
  }
  return found;
}

// The webhook types storage writes itself: every storage source file is read, so a new one that
// sends a webhook needs no listing here.
Types storage_webhook_types() {
  std::string text;
  const auto dir = std::filesystem::path(REDRESS_SOURCE_DIR) / "storage";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".cpp") continue;
    text += source("storage/" + entry.path().filename().string());
  }
  return literals_among_arguments_of(text, "write_webhook");
}

// The built-in webhook types: the engine's and storage's.
Types built_in_webhook_types() {
  Types types = literals_passed_to(decision_sources(), "webhook");
  const auto stored = storage_webhook_types();
  types.insert(stored.begin(), stored.end());
  return types;
}

// The types apply_event compares `t` against.
Types types_replay_names(const std::string& text) {
  const std::regex compare("\\bt == \"([a-z_]+\\.[a-z_]+)\"");
  Types found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), compare);
       it != std::sregex_iterator(); ++it) {
    found.insert((*it)[1].str());
  }
  return found;
}

const nlohmann::json& document() {
  static const auto doc = nlohmann::json::parse(redress::api::openapi_document());
  return doc;
}

Types journal_catalogue() {
  const auto& schema = document().at("components").at("schemas").at("JournalEventType");
  Types types(schema.at("enum").begin(), schema.at("enum").end());
  BOOST_TEST(types.size() == schema.at("enum").size(), "JournalEventType lists a type twice");
  return types;
}

Types webhook_catalogue() {
  Types types;
  for (const auto& [type, item] : document().at("webhooks").items()) types.insert(type);
  return types;
}

// The webhook types the shipped workflow definitions declare (`create.emit`, transition actions'
// `emit`, timers' `emit`), each with the ids of the workflows declaring it.
std::map<std::string, Types> shipped_workflow_events() {
  std::map<std::string, Types> out;
  const auto dir = std::filesystem::path(REDRESS_SOURCE_DIR) / "workflows";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const auto doc = nlohmann::json::parse(source("workflows/" + entry.path().filename().string()));
    if (doc.value("kind", "") != "workflow") continue;
    const std::string id = doc.at("id");
    if (doc.contains("create") && doc["create"].contains("emit"))
      out[doc["create"]["emit"]].insert(id);
    for (const auto& t : doc.value("transitions", nlohmann::json::array())) {
      for (const auto& a : t.value("actions", nlohmann::json::array())) {
        if (a.contains("emit")) out[a["emit"]].insert(id);
      }
    }
    for (const auto& t : doc.value("timers", nlohmann::json::array())) {
      if (t.contains("emit")) out[t["emit"]].insert(id);
    }
  }
  return out;
}

std::string missing(const Types& wanted, const Types& have) {
  std::string out;
  for (const auto& t : wanted) {
    if (!have.count(t)) out += (out.empty() ? "" : ", ") + t;
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(event_catalogue)

BOOST_AUTO_TEST_CASE(the_source_scan_finds_what_it_looks_for) {
  // The scans are the test's eyes: prove they see the shapes the engine uses.
  const std::string sample =
      "b_.emit(\"case.assigned\", x);\n"
      "b_.emit(cmd.approve ? \"compensation.approved\" : \"compensation.rejected\",\n"
      "b_.webhook(\n        \"case.deescalated\",\n"
      "if (t == \"sla.met\") {";
  BOOST_TEST((literals_passed_to(sample, "emit") ==
              Types{"case.assigned", "compensation.approved", "compensation.rejected"}));
  BOOST_TEST((literals_passed_to(sample, "webhook") == Types{"case.deescalated"}));
  BOOST_TEST((types_replay_names(sample) == Types{"sla.met"}));
  const std::string stored_sample =
      "out.push_back(write_webhook(context, \"parcel.event\", c.case_id, std::nullopt,\n"
      "    data, now));\n"
      "return write_webhook(context, w->type, id, seq, w->data, now);\n"
      "std::string write_webhook(WriteContext& context, const std::string& type) {";
  BOOST_TEST(
      (literals_among_arguments_of(stored_sample, "write_webhook") == Types{"parcel.event"}));
  BOOST_TEST(storage_webhook_types().count("parcel.event") == 1u);
  // And on the real sources they find a plausible number.
  BOOST_TEST(literals_passed_to(decision_sources(), "emit").size() >= 25u);
  BOOST_TEST(literals_passed_to(decision_sources(), "webhook").size() >= 14u);
  BOOST_TEST(types_replay_names(source("engine/case_snapshot.cpp")).size() >= 25u);
}

BOOST_AUTO_TEST_CASE(the_journal_catalogue_is_exactly_what_the_engine_writes_and_replays) {
  const auto catalogue = journal_catalogue();
  const auto written = literals_passed_to(decision_sources(), "emit");
  const auto replayed = types_replay_names(source("engine/case_snapshot.cpp"));
  BOOST_TEST(
      missing(written, catalogue).empty(),
      "written by the engine, missing from JournalEventType: " << missing(written, catalogue));
  BOOST_TEST(missing(replayed, catalogue).empty(),
             "replayed, missing from JournalEventType: " << missing(replayed, catalogue));
  BOOST_TEST(missing(catalogue, replayed).empty(),
             "in JournalEventType, unknown to replay: " << missing(catalogue, replayed));
  // Replay itself agrees: a catalogued type is never "unknown" (its data here is empty, so it
  // may be refused as malformed), and a type outside the catalogue is.
  for (const auto& type : catalogue) {
    redress::CaseSnapshot snapshot;
    const redress::Event event{type, {}, "agent.li", "agent", 1, nlohmann::json::object()};
    const auto applied = redress::apply_event(snapshot, event);
    BOOST_TEST(
        (applied.ok() || applied.error().message.find("unknown event type") == std::string::npos),
        type << ": " << (applied.ok() ? "" : applied.error().message));
  }
  redress::CaseSnapshot snapshot;
  const auto unknown = redress::apply_event(
      snapshot, {"case.teleported", {}, "agent.li", "agent", 1, nlohmann::json::object()});
  BOOST_REQUIRE(!unknown.ok());
  BOOST_TEST(unknown.error().message.find("unknown event type") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_journal_type_has_words_in_english_and_chinese) {
  const auto& labels =
      document().at("components").at("schemas").at("JournalEventType").at("x-labels");
  for (const auto& type : journal_catalogue()) {
    BOOST_REQUIRE_MESSAGE(labels.contains(type), type << " has no x-labels entry");
    BOOST_TEST(!labels.at(type).value("en", "").empty(), type);
    BOOST_TEST(!labels.at(type).value("zh", "").empty(), type);
  }
  BOOST_TEST(labels.size() == journal_catalogue().size(), "x-labels names a type not in the enum");
}

BOOST_AUTO_TEST_CASE(the_webhooks_section_is_exactly_what_the_server_and_shipped_workflows_send) {
  const auto documented = webhook_catalogue();
  const auto built_in = built_in_webhook_types();
  const auto declared = shipped_workflow_events();
  BOOST_TEST(declared.count("invoice.issued") == 1u, "the scan of workflows/ finds nothing");
  Types sent = built_in;
  for (const auto& [type, workflows] : declared) sent.insert(type);
  BOOST_TEST(missing(sent, documented).empty(),
             "sent by the engine, storage or a shipped workflow, missing from `webhooks`: "
                 << missing(sent, documented));
  BOOST_TEST(missing(documented, sent).empty(),
             "documented in `webhooks`, never sent: " << missing(documented, sent));
  const auto& listed = document().at("components").at("schemas").at("WebhookEventType").at("enum");
  BOOST_TEST((Types(listed.begin(), listed.end()) == built_in));
  // A workflow's type names the workflows that declare it; a built-in type names none.
  for (const auto& [type, item] : document().at("webhooks").items()) {
    const auto& post = item.at("post");
    if (built_in.count(type)) {
      BOOST_TEST(!post.contains("x-workflows"), type);
      continue;
    }
    const auto& named = post.value("x-workflows", nlohmann::json::array());
    const auto it = declared.find(type);
    BOOST_TEST((it != declared.end() && Types(named.begin(), named.end()) == it->second),
               type << ": x-workflows " << named.dump());
  }
  // Each documents its envelope: the type it names, a timestamp, the case data.
  for (const auto& [type, item] : document().at("webhooks").items()) {
    const auto& schema =
        item.at("post").at("requestBody").at("content").at("application/json").at("schema");
    BOOST_TEST(schema.at("properties").at("type").at("const") == type);
    BOOST_TEST(schema.at("properties").contains("timestamp"), type);
    BOOST_TEST(schema.at("properties").at("data").at("allOf")[0].at("$ref") ==
                   "#/components/schemas/WebhookCaseData",
               type);
  }
}

BOOST_AUTO_TEST_SUITE_END()
