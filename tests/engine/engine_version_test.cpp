// Engine tests: Workflow version pinning: a case keeps the definition version it started on.
// The shared drivers (CaseRun, actors, cases) are in tests/engine/test_support.h.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

BOOST_AUTO_TEST_SUITE(engine_version)

BOOST_AUTO_TEST_CASE(cases_keep_their_workflow_version) {
  const auto old_catalog = shipped();
  CaseRun old_case(old_catalog);
  old_case.run(kAgent, complaint("C-70"));
  BOOST_TEST(old_case.snap().workflow_version == 3);  // the latest shipped

  // A version 4 of the latest (here named v2 after the version it replaced when this was
  // written).
  auto texts = shipped_texts();
  BOOST_REQUIRE(texts.count("complaint.v3.json"));
  auto v2 = json::parse(texts["complaint.v3.json"]);
  v2["version"] = 4;
  bool changed = false;
  for (auto& t : v2["transitions"]) {
    if (t["name"] == "confirm_problem") {
      t["requires"].push_back("word_of_mouth_risk");
      changed = true;
    }
  }
  BOOST_REQUIRE(changed);
  texts["complaint.v3.json"] = v2.dump(2);
  const auto newer = WorkflowCatalog::load(sources_of(texts));
  BOOST_REQUIRE_MESSAGE(newer.catalog, describe(newer.problems));
  const auto merged = old_catalog->with_newer(*newer.catalog);
  BOOST_REQUIRE_MESSAGE(merged.catalog, describe(merged.problems));
  BOOST_TEST(merged.catalog->find("complaint", 1) != nullptr);
  BOOST_TEST(merged.catalog->latest("complaint")->version == 4);

  // A new case on the merged catalog gets v2 and its rules.
  CaseRun pinned(merged.catalog);
  pinned.run(kAgent, complaint("C-71", "normal"));  // a new case gets v4
  BOOST_TEST(pinned.snap().workflow_version == 4);
  const auto v2_refusal = pinned.attempt(kAgent, FireTransition{"confirm_problem", kConfirm});
  BOOST_TEST(outcome(v2_refusal) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(v2_refusal) == "/data/word_of_mouth_risk");
  auto with_risk = kConfirm;
  with_risk["word_of_mouth_risk"] = "high";
  pinned.fire(kAgent, "confirm_problem", with_risk);
  BOOST_TEST(pinned.snap().state == "analysing");

  const Engine merged_engine(merged.catalog);
  const auto v1_decision = merged_engine.decide(
      &old_case.snap(), Command{FireTransition{"confirm_problem", kConfirm}, std::nullopt}, kAgent,
      old_case.now, {});
  BOOST_TEST(outcome(v1_decision) == "ACCEPTED");
  if (v1_decision.accepted()) {
    BOOST_TEST(v1_decision.result().snapshot.workflow_version == 3);
    BOOST_TEST(v1_decision.result().snapshot.state == "analysing");
  }
  // v1 explicitly requested on the merged catalog.
  auto explicit_v1 = complaint("C-72");
  explicit_v1.workflow_version = 1;
  const auto v1_created =
      merged_engine.decide(nullptr, Command{explicit_v1, std::nullopt}, kAgent, monday(), {});
  BOOST_REQUIRE(v1_created.accepted());
  BOOST_TEST(v1_created.result().snapshot.workflow_version == 1);

  // The v2-only catalog cannot serve the v1 case.
  const Engine v2_only(newer.catalog);
  const auto unpinned = v2_only.decide(
      &old_case.snap(), Command{FireTransition{"confirm_problem", kConfirm}, std::nullopt}, kAgent,
      old_case.now, {});
  BOOST_TEST(outcome(unpinned) == "UNKNOWN_WORKFLOW");

  // Same texts again: accepted; a changed v1 text: VERSION_CHANGED.
  const auto same = WorkflowCatalog::load(sources_of(shipped_texts()));
  BOOST_REQUIRE(same.catalog);
  BOOST_TEST(old_catalog->with_newer(*same.catalog).catalog != nullptr);
  auto changed_texts = shipped_texts();
  auto v1_changed = json::parse(changed_texts["complaint.json"]);
  v1_changed["initial_state"] = "analysing";  // behaviour edited in place
  changed_texts["complaint.json"] = v1_changed.dump();
  const auto edited = WorkflowCatalog::load(sources_of(changed_texts));
  BOOST_REQUIRE_MESSAGE(edited.catalog, describe(edited.problems));
  const auto refused = old_catalog->with_newer(*edited.catalog);
  BOOST_TEST(!refused.catalog);
  BOOST_TEST(std::any_of(refused.problems.begin(), refused.problems.end(),
                         [](const auto& p) { return p.code == "VERSION_CHANGED"; }));
}

BOOST_AUTO_TEST_SUITE_END()
