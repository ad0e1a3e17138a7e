// Full-text search of case text (schema v6, storage/case_search.h): 1- and 2-character Chinese
// queries, Latin words and id fragments, results in queue order, and migration 6 rebuilding the
// index of a version-5 database from its journal.
#include "storage/case_search.h"

#include <set>
#include <string>
#include <vector>

#include "storage/schema.h"
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

// The ids of the cases whose text matches `text`, open or closed, in the queue's order.
std::vector<std::string> search_hits(const CaseStore& store, const std::string& text) {
  CaseQuery query;
  query.text = text;
  query.open_only = false;
  query.limit = 100;
  std::vector<std::string> ids;
  for (const auto& row : require_ok(store.list_cases(query))) ids.push_back(row.id);
  return ids;
}

std::set<std::string> search_hit_set(const CaseStore& store, const std::string& text) {
  const auto ids = search_hits(store, text);
  return {ids.begin(), ids.end()};
}

// A complaint with this summary, order and customer, opened at `opened`; its case id.
std::string open_searchable_case(CaseStore& store, const std::string& summary,
                                 const std::string& order_id, const std::string& customer_id,
                                 Instant opened) {
  auto command = create_complaint(opened, customer_id);
  auto& create = std::get<CreateCase>(command.command.body);
  create.fields["summary"] = summary;
  create.order.id = order_id;
  return accept(store, command).snapshot.id;
}

// The cases the searches below tell apart, each opened an hour after the one before (so the
// queue orders them as listed here).
struct SearchCorpus {
  std::string refund;   // 退款还没到账
  std::string damaged;  // 包裹破损 (+ a comment 已退货)
  std::string wrong;    // 发错颜色了
  std::string style;    // 款式不对 (款 without 退款)
  std::string zipper;   // English only, the order id TB-20261120-001
};

SearchCorpus fill_search_corpus(CaseStore& store) {
  SearchCorpus corpus;
  corpus.refund = open_searchable_case(store, "退款还没到账", "TB-20261118-007", "cust-31",
                                       monday_at("09:00:00"));
  corpus.damaged =
      open_searchable_case(store, "包裹破损", "TB-20261119-002", "cust-32", monday_at("10:00:00"));
  corpus.wrong = open_searchable_case(store, "发错颜色了", "TB-20261119-003", "cust-33",
                                      monday_at("11:00:00"));
  corpus.style =
      open_searchable_case(store, "款式不对", "TB-20261119-004", "cust-34", monday_at("13:30:00"));
  corpus.zipper = open_searchable_case(store, "Zipper broke on day one", "TB-20261120-001",
                                       "cust-35", monday_at("14:00:00"));
  accept(store, comment(corpus.damaged, monday_at("15:00:00"), std::nullopt, "顾客说已退货"));
  return corpus;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(case_search)

BOOST_AUTO_TEST_CASE(cjk_runs_are_written_as_bigrams_then_unigrams_and_other_text_unchanged) {
  BOOST_TEST(case_search_terms("退款慢") == "退款 款慢 退 款 慢");
  BOOST_TEST(case_search_terms("iPhone屏幕碎了, refund") ==
             "iPhone 屏幕 幕碎 碎了 屏 幕 碎 了 , refund");
  BOOST_TEST(case_search_terms("破 TB-20261120-001") == "破 TB-20261120-001");
  BOOST_TEST(case_search_terms("zipper broke, day 1") == "zipper broke, day 1");
  // Kana and Hangul are segmented like Han; CJK punctuation is not.
  BOOST_TEST(case_search_terms("返品。반품") == "返品 返 品 。 반품 반 품");
}

BOOST_AUTO_TEST_CASE(a_query_becomes_required_terms_and_never_fts5_syntax) {
  BOOST_TEST(case_search_expression("退").value() == "\"退\"");
  BOOST_TEST(case_search_expression("退款").value() == "\"退款\"");
  BOOST_TEST(case_search_expression("退款还没").value() == "\"退款 款还 还没\"");
  BOOST_TEST(case_search_expression("TB-2026").value() == "\"TB 2026\" *");
  BOOST_TEST(case_search_expression("iPhone 屏幕").value() == "\"iPhone\" * AND \"屏幕\"");
  // Quotes, operators and column filters are punctuation or plain words here.
  BOOST_TEST(case_search_expression("a\" OR terms:*").value() == "\"a OR terms\" *");
  BOOST_TEST(!case_search_expression("，。!? -").has_value());
  BOOST_TEST(!case_search_expression("").has_value());
}

BOOST_AUTO_TEST_CASE(one_and_two_character_chinese_queries_find_their_cases_and_no_others) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto c = fill_search_corpus(*store);
  using Ids = std::set<std::string>;

  BOOST_TEST((search_hit_set(*store, "退款") == Ids{c.refund}));
  BOOST_TEST((search_hit_set(*store, "破损") == Ids{c.damaged}));
  BOOST_TEST((search_hit_set(*store, "发错") == Ids{c.wrong}));
  BOOST_TEST((search_hit_set(*store, "损") == Ids{c.damaged}));
  // 款 stands in 退款 and in 款式; 退 in 退款 and in the comment's 退货.
  BOOST_TEST((search_hit_set(*store, "款") == Ids{c.refund, c.style}));
  BOOST_TEST((search_hit_set(*store, "退") == Ids{c.refund, c.damaged}));
  BOOST_TEST((search_hit_set(*store, "退货") == Ids{c.damaged}));
  // Two characters that each occur, but never side by side or in this order, find nothing.
  BOOST_TEST(search_hits(*store, "错发").empty());
  BOOST_TEST(search_hits(*store, "退式").empty());
  // Longer words match where their characters stand together, as the trigram index did.
  BOOST_TEST((search_hit_set(*store, "款还没到") == Ids{c.refund}));
  BOOST_TEST(search_hits(*store, "退款还到").empty());
  // Punctuation alone finds nothing, and is not an error.
  BOOST_TEST(search_hits(*store, "，").empty());
}

BOOST_AUTO_TEST_CASE(latin_words_and_id_fragments_are_still_found) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto c = fill_search_corpus(*store);
  using Ids = std::set<std::string>;

  BOOST_TEST((search_hit_set(*store, "ZIPPER") == Ids{c.zipper}));
  BOOST_TEST((search_hit_set(*store, "zip") == Ids{c.zipper}));  // a word's beginning
  BOOST_TEST((search_hit_set(*store, "broke on") == Ids{c.zipper}));
  BOOST_TEST(search_hits(*store, "on broke").empty());  // words in order, as a phrase
  // Order and customer ids, whole or from the start of any of their parts.
  BOOST_TEST((search_hit_set(*store, "TB-20261120-001") == Ids{c.zipper}));
  BOOST_TEST((search_hit_set(*store, "20261120-001") == Ids{c.zipper}));
  BOOST_TEST((search_hit_set(*store, "tb-20261118") == Ids{c.refund}));
  BOOST_TEST((search_hit_set(*store, "cust-33") == Ids{c.wrong}));
  BOOST_TEST(search_hit_set(*store, "TB-202611").size() == 5U);
  // The case's own id (C-<n>).
  BOOST_TEST((search_hit_set(*store, c.style) == Ids{c.style}));
  // A word and a Chinese word together: both required.
  BOOST_TEST((search_hit_set(*store, "tb 退款") == Ids{c.refund}));
  BOOST_TEST(search_hits(*store, "zipper 退款").empty());
}

BOOST_AUTO_TEST_CASE(results_come_in_queue_order_and_page_by_cursor) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  std::vector<std::string> opened;
  for (const char* hour : {"09:00:00", "09:30:00", "10:00:00", "10:30:00", "11:00:00"}) {
    opened.push_back(open_searchable_case(*store, "破损", "TB-1", "cust-1", monday_at(hour)));
  }
  open_searchable_case(*store, "发错", "TB-1", "cust-1", monday_at("11:30:00"));
  BOOST_TEST(search_hits(*store, "破") == opened);

  CaseQuery query;
  query.text = "破";
  query.limit = 2;
  std::vector<std::string> paged;
  for (;;) {
    const auto page = require_ok(store->list_cases(query));
    for (const auto& row : page) paged.push_back(row.id);
    if (page.size() < query.limit) break;
    query.after = page.back().cursor;
  }
  BOOST_TEST(paged == opened);
}

BOOST_AUTO_TEST_CASE(migration_six_rebuilds_the_index_of_a_version_five_database) {
  TempDir dir;
  const auto options = options_for(dir);
  SearchCorpus corpus;
  std::string written_by_the_writer;
  const auto index_rows = [&] {
    SqliteDb db(options.path, OpenOptions{});
    Statement s(db, "SELECT case_id, source, terms FROM case_terms ORDER BY rowid");
    std::string rows;
    while (s.step())
      rows += s.column_text(0) + '|' + s.column_text(1) + '|' + s.column_text(2) + '\n';
    return rows;
  };
  {
    auto store = open_store(options);
    corpus = fill_search_corpus(*store);
  }
  written_by_the_writer = index_rows();
  BOOST_TEST_REQUIRE(written_by_the_writer.find("退款 款还") != std::string::npos);
  {
    // The database as version 5 left it: the trigram index case_text of migration 2, no
    // case_terms.
    SqliteDb db(options.path, OpenOptions{});
    db.exec(kUndoMigrationSixSql);
    BOOST_TEST_REQUIRE(db.query_int("SELECT count(*) FROM case_text") == 1);
  }
  {
    auto store = open_store(options);
    using Ids = std::set<std::string>;
    BOOST_TEST((search_hit_set(*store, "退款") == Ids{corpus.refund}));
    BOOST_TEST((search_hit_set(*store, "损") == Ids{corpus.damaged}));
    BOOST_TEST((search_hit_set(*store, "退货") == Ids{corpus.damaged}));
    BOOST_TEST((search_hit_set(*store, "20261120-001") == Ids{corpus.zipper}));
  }
  // The rebuild derives each row exactly as the writer did.
  BOOST_TEST(index_rows() == written_by_the_writer);
  SqliteDb db(options.path, OpenOptions{});
  BOOST_TEST(schema_version(db) == latest_schema_version());
  BOOST_TEST(db.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'case_text'") == 0);
}

BOOST_AUTO_TEST_SUITE_END()
