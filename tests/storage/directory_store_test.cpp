// DirectoryStore on real SQLite files: teams, users, API tokens and console sessions —
// validation at the storage boundary, keyset pagination, token and session lookup by hash,
// revocation, refresh, batched last-used times, and everything surviving a restart.
#include <string>
#include <utility>
#include <vector>

#include "storage/await.h"
#include "storage/directory_store.h"
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace redress {
inline std::ostream& boost_test_print_type(std::ostream& out, Role role) {
  return out << role_name(role);
}
}  // namespace redress

namespace std::chrono {
inline std::ostream& boost_test_print_type(std::ostream& out,
                                           const std::optional<redress::Instant>& t) {
  return out << (t ? redress::format_rfc3339(*t) : std::string("(none)"));
}
}  // namespace std::chrono

namespace {

std::vector<unsigned char> hash_of(unsigned char seed) {
  std::vector<unsigned char> hash(kTokenHashBytes);
  for (size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<unsigned char>(seed + i);
  return hash;
}

Result<Team> create_team(DirectoryStore& directory, Team team) {
  return await_result<Team>(
      [&](auto done) { directory.create_team(std::move(team), std::move(done)); });
}

Result<User> create_user(DirectoryStore& directory, User user) {
  return await_result<User>(
      [&](auto done) { directory.create_user(std::move(user), std::move(done)); });
}

Result<User> update_user(DirectoryStore& directory, const std::string& id, UserPatch patch) {
  return await_result<User>([&](auto done) {
    directory.update_user(id, std::move(patch), monday_morning(), std::move(done));
  });
}

Result<ApiToken> create_token(DirectoryStore& directory, NewToken token, Instant now) {
  return await_result<ApiToken>(
      [&](auto done) { directory.create_token(std::move(token), now, std::move(done)); });
}

Result<ApiToken> revoke_token(DirectoryStore& directory, const std::string& id, Instant now) {
  return await_result<ApiToken>(
      [&](auto done) { directory.revoke_token(id, now, std::move(done)); });
}

Result<size_t> touch_tokens(DirectoryStore& directory,
                            std::vector<std::pair<std::string, Instant>> used) {
  return await_result<size_t>(
      [&](auto done) { directory.touch_tokens(std::move(used), std::move(done)); });
}

Result<Session> create_session(DirectoryStore& directory, NewSession session, Instant now) {
  return await_result<Session>(
      [&](auto done) { directory.create_session(std::move(session), now, std::move(done)); });
}

Result<Session> refresh_session(DirectoryStore& directory, const std::string& id, Instant now,
                                Millis ttl) {
  return await_result<Session>(
      [&](auto done) { directory.refresh_session(id, now, ttl, std::move(done)); });
}

Result<Session> revoke_session(DirectoryStore& directory, const std::string& id, Instant now) {
  return await_result<Session>(
      [&](auto done) { directory.revoke_session(id, now, std::move(done)); });
}

Team team(const std::string& id, const std::string& name = "After-sales") {
  return Team{id, name, monday_morning(), ""};
}

User person(const std::string& id, Role role = Role::kAgent, const std::string& team_id = "") {
  User user;
  user.id = id;
  user.display_name = "Li Na";
  user.role = role;
  user.team_id = team_id;
  user.created_at = monday_morning();
  return user;
}

NewToken token_for(const std::string& id, const std::string& user_id, Role role, unsigned char seed,
                   std::optional<Instant> expires_at = std::nullopt) {
  return NewToken{id, hash_of(seed), user_id, role, "laptop", expires_at, ""};
}

template <typename T>
T required(Result<T> result) {
  BOOST_REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return std::move(result).value();
}

// Requires an error with this code and pointer.
template <typename T>
void require_error(const Result<T>& result, const std::string& code, const std::string& pointer) {
  BOOST_REQUIRE_MESSAGE(!result.ok(), "expected " + code + " at '" + pointer + "'");
  BOOST_TEST(result.error().code_name() == code);
  BOOST_TEST(result.error().pointer == pointer);
  BOOST_TEST(!result.error().message.empty());
}

std::vector<std::string> ids_of(const auto& rows) {
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row.id);
  return ids;
}

std::vector<std::string> strings(std::initializer_list<const char*> list) {
  return {list.begin(), list.end()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(directory_store)

BOOST_AUTO_TEST_CASE(creates_gets_and_pages_through_teams_by_id) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  for (const char* id : {"returns", "billing", "after_sales", "logistics", "vip"}) {
    const auto created = required(create_team(directory, team(id, std::string("Team ") + id)));
    BOOST_TEST(created.id == id);
  }
  const auto first = required(directory.list_teams("", 2));
  BOOST_TEST(ids_of(first) == strings({"after_sales", "billing"}),
             boost::test_tools::per_element());
  const auto second = required(directory.list_teams(first.back().id, 2));
  BOOST_TEST(ids_of(second) == strings({"logistics", "returns"}), boost::test_tools::per_element());
  const auto last = required(directory.list_teams(second.back().id, 2));
  BOOST_TEST(ids_of(last) == strings({"vip"}), boost::test_tools::per_element());
  BOOST_TEST(required(directory.list_teams("vip", 2)).empty());

  // A limit is 1..kMaxListingRows (a page and one more row), never clamped: a clamp to the page
  // size lost the row that tells the API another page follows.
  BOOST_TEST(required(directory.list_teams("", redress::storage::kMaxListingRows)).size() == 5u);
  for (const size_t limit : {size_t{0}, redress::storage::kMaxListingRows + 1}) {
    const auto refused = directory.list_teams("", limit);
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.error().code == redress::ErrorCode::kInvalidArgument);
  }

  const auto billing = required(directory.get_team("billing"));
  BOOST_REQUIRE(billing.has_value());
  BOOST_TEST(billing->name == "Team billing");
  BOOST_TEST(billing->created_at == monday_morning());
  BOOST_TEST(!required(directory.get_team("nobody")).has_value());
}

BOOST_AUTO_TEST_CASE(a_taken_id_is_already_exists_and_changes_nothing) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  required(create_team(directory, team("after_sales", "After-sales")));
  require_error(create_team(directory, team("after_sales", "Another name")), "ALREADY_EXISTS",
                "/id");
  BOOST_TEST(required(directory.get_team("after_sales"))->name == "After-sales");

  required(create_user(directory, person("li.na")));
  auto again = person("li.na", Role::kManager);
  again.display_name = "Someone else";
  require_error(create_user(directory, again), "ALREADY_EXISTS", "/id");
  const auto stored = required(directory.get_user("li.na"));
  BOOST_TEST(stored->display_name == "Li Na");
  BOOST_TEST(stored->role == Role::kAgent);
}

BOOST_AUTO_TEST_CASE(a_user_in_an_unknown_team_is_not_found_at_team_id) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  require_error(create_user(directory, person("li.na", Role::kAgent, "no_such_team")), "NOT_FOUND",
                "/team_id");
  BOOST_TEST(!required(directory.get_user("li.na")).has_value());
}

BOOST_AUTO_TEST_CASE(invalid_input_is_refused_with_a_pointer_before_anything_is_written) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);

  require_error(create_team(directory, team("")), "INVALID_FIELD", "/id");
  require_error(create_team(directory, team("has space")), "INVALID_FIELD", "/id");
  require_error(create_team(directory, team("semi;colon")), "INVALID_FIELD", "/id");
  require_error(create_team(directory, team("团队")), "INVALID_FIELD", "/id");
  require_error(create_team(directory, team(std::string(129, 'a'))), "INVALID_FIELD", "/id");
  require_error(create_team(directory, team("ok", "")), "INVALID_FIELD", "/name");
  require_error(create_team(directory, team("ok", std::string(201, 'n'))), "INVALID_FIELD",
                "/name");
  require_error(create_team(directory, team("ok", "bad \xff byte")), "INVALID_FIELD", "/name");
  require_error(create_team(directory, team("ok", "overlong \xc0\xaf slash")), "INVALID_FIELD",
                "/name");
  BOOST_TEST(required(directory.list_teams("", 10)).empty());

  // The message names the value (escaped when it is not text) and says what would be valid.
  const auto bad_id = create_team(directory, team("has space"));
  BOOST_TEST(bad_id.error().message.find("'has space'") != std::string::npos);
  BOOST_TEST(bad_id.error().message.find("A-Z, a-z, 0-9") != std::string::npos);
  const auto bad_name = create_team(directory, team("ok", "bad \xff byte"));
  BOOST_TEST(bad_name.error().message.find("\\xFF") != std::string::npos);
  BOOST_TEST(bad_name.error().message.find("UTF-8") != std::string::npos);

  // The boundaries are accepted: a 128-character id using every kind of allowed character, and a
  // name of exactly 200 bytes, most of them in three-byte characters.
  const std::string longest_id = "Az09._@-" + std::string(120, 'x');
  std::string name;
  for (int i = 0; i < 66; ++i) name += "售";
  name += "ok";
  BOOST_TEST(name.size() == 200u);
  required(create_team(directory, team(longest_id, name)));
  BOOST_TEST(required(directory.get_team(longest_id))->name == name);

  auto system_user = person("robot", Role::kSystem);
  require_error(create_user(directory, system_user), "INVALID_FIELD", "/role");
  auto nameless = person("nameless");
  nameless.display_name = "";
  require_error(create_user(directory, nameless), "INVALID_FIELD", "/display_name");
  require_error(create_user(directory, person("ok.user", Role::kAgent, "bad team")),
                "INVALID_FIELD", "/team_id");
  require_error(create_user(directory, person("bad/id")), "INVALID_FIELD", "/id");
  BOOST_TEST(required(directory.list_users("", "", 10)).empty());

  auto short_hash = token_for("tok-1", "", Role::kIntegration, 1);
  short_hash.hash.pop_back();
  require_error(create_token(directory, short_hash, monday_morning()), "INVALID_FIELD", "/hash");
  require_error(
      create_token(directory, token_for("tok 1", "", Role::kIntegration, 1), monday_morning()),
      "INVALID_FIELD", "/id");
  require_error(create_token(directory, token_for("tok-1", "", Role::kSystem, 1), monday_morning()),
                "INVALID_FIELD", "/role");
  auto long_label = token_for("tok-1", "", Role::kIntegration, 1);
  long_label.label = std::string(201, 'l');
  require_error(create_token(directory, long_label, monday_morning()), "INVALID_FIELD", "/label");
  require_error(
      create_token(directory, token_for("tok-1", "", Role::kIntegration, 1, monday_morning()),
                   monday_morning()),
      "INVALID_FIELD", "/expires_at");
  BOOST_TEST(required(directory.list_tokens("", true, "", 10)).empty());
  require_error(directory.find_token(std::vector<unsigned char>(16, 0)), "INVALID_FIELD", "/hash");
}

BOOST_AUTO_TEST_CASE(creates_gets_and_pages_through_users_with_a_team_filter) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  required(create_team(directory, team("after_sales")));
  required(create_team(directory, team("billing", "Billing")));
  required(create_user(directory, person("wang.lei", Role::kTeamLead, "after_sales")));
  required(create_user(directory, person("li.na", Role::kAgent, "after_sales")));
  required(create_user(directory, person("zhao.min", Role::kAgent, "billing")));
  required(create_user(directory, person("chen.jie", Role::kAdmin)));  // in no team
  auto sun = person("sun.yu", Role::kAgent, "after_sales");
  sun.display_name = "孙宇";
  sun.active = false;
  required(create_user(directory, sun));

  const auto stored = required(directory.get_user("sun.yu"));
  BOOST_REQUIRE(stored.has_value());
  BOOST_TEST(stored->display_name == "孙宇");
  BOOST_TEST(stored->role == Role::kAgent);
  BOOST_TEST(stored->team_id == "after_sales");
  BOOST_TEST(!stored->active);
  BOOST_TEST(stored->created_at == monday_morning());
  BOOST_TEST(required(directory.get_user("chen.jie"))->team_id.empty());
  BOOST_TEST(!required(directory.get_user("nobody")).has_value());

  BOOST_TEST(ids_of(required(directory.list_users("", "", 10))) ==
                 strings({"chen.jie", "li.na", "sun.yu", "wang.lei", "zhao.min"}),
             boost::test_tools::per_element());
  const auto page1 = required(directory.list_users("after_sales", "", 2));
  BOOST_TEST(ids_of(page1) == strings({"li.na", "sun.yu"}), boost::test_tools::per_element());
  const auto page2 = required(directory.list_users("after_sales", page1.back().id, 2));
  BOOST_TEST(ids_of(page2) == strings({"wang.lei"}), boost::test_tools::per_element());
  BOOST_TEST(ids_of(required(directory.list_users("billing", "", 10))) == strings({"zhao.min"}),
             boost::test_tools::per_element());
  BOOST_TEST(required(directory.list_users("no_such_team", "", 10)).empty());
}

BOOST_AUTO_TEST_CASE(update_user_patches_only_what_it_names_and_deactivation_deletes_nothing) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  required(create_team(directory, team("after_sales")));
  required(create_team(directory, team("billing", "Billing")));
  required(create_user(directory, person("li.na", Role::kAgent, "after_sales")));
  required(
      create_token(directory, token_for("tok-li", "li.na", Role::kAgent, 7), monday_morning()));

  UserPatch rename;
  rename.display_name = "李娜";
  auto renamed = required(update_user(directory, "li.na", rename));
  BOOST_TEST(renamed.display_name == "李娜");
  BOOST_TEST(renamed.team_id == "after_sales");
  BOOST_TEST(renamed.role == Role::kAgent);
  BOOST_TEST(renamed.active);

  UserPatch move;
  move.team_id = "billing";
  BOOST_TEST(required(update_user(directory, "li.na", move)).team_id == "billing");
  UserPatch no_team;
  no_team.team_id = "";
  BOOST_TEST(required(update_user(directory, "li.na", no_team)).team_id.empty());
  BOOST_TEST(required(directory.list_users("billing", "", 10)).empty());

  // Refused patches change nothing.
  UserPatch unknown_team;
  unknown_team.team_id = "no_such_team";
  unknown_team.display_name = "Should not stick";
  require_error(update_user(directory, "li.na", unknown_team), "NOT_FOUND", "/team_id");
  UserPatch system_role;
  system_role.role = Role::kSystem;
  require_error(update_user(directory, "li.na", system_role), "INVALID_FIELD", "/role");
  UserPatch long_name;
  long_name.display_name = std::string(201, 'x');
  require_error(update_user(directory, "li.na", long_name), "INVALID_FIELD", "/display_name");
  require_error(update_user(directory, "nobody", rename), "NOT_FOUND", "/id");
  BOOST_TEST(required(directory.get_user("li.na"))->display_name == "李娜");

  UserPatch deactivate;
  deactivate.active = false;
  BOOST_TEST(!required(update_user(directory, "li.na", deactivate)).active);
  const auto stored = required(directory.get_user("li.na"));
  BOOST_REQUIRE(stored.has_value());
  BOOST_TEST(!stored->active);
  BOOST_TEST(stored->display_name == "李娜");
  BOOST_TEST(required(directory.list_users("", "", 10)).size() == 1u);
  // The token is still there; authentication sees the user is inactive.
  const auto grant = required(directory.find_token(hash_of(7)));
  BOOST_REQUIRE(grant.has_value());
  BOOST_REQUIRE(grant->user.has_value());
  BOOST_TEST(!grant->user->active);
  BOOST_TEST(!grant->token.revoked_at.has_value());

  UserPatch reactivate;
  reactivate.active = true;
  BOOST_TEST(required(update_user(directory, "li.na", reactivate)).active);
}

BOOST_AUTO_TEST_CASE(a_role_change_moves_the_users_tokens_to_the_new_role) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  required(create_user(directory, person("chen.jie", Role::kAdmin)));
  required(create_token(directory, token_for("tok-chen", "chen.jie", Role::kAdmin, 3),
                        monday_morning()));
  // Another admin credential, so that demoting chen.jie is allowed (see the LAST_ADMIN test).
  required(create_user(directory, person("wang.fang", Role::kAdmin)));
  required(create_token(directory, token_for("tok-wang", "wang.fang", Role::kAdmin, 4),
                        monday_morning()));
  BOOST_TEST(required(directory.has_active_admin_token(monday_morning())));

  UserPatch demote;
  demote.role = Role::kAgent;
  BOOST_TEST(required(update_user(directory, "chen.jie", demote)).role == Role::kAgent);
  const auto grant = required(directory.find_token(hash_of(3)));
  BOOST_REQUIRE(grant.has_value());
  BOOST_TEST(grant->token.role == Role::kAgent);
  BOOST_TEST(grant->user->role == Role::kAgent);
  BOOST_TEST(required(directory.has_active_admin_token(monday_morning())));
}

BOOST_AUTO_TEST_CASE(the_last_usable_admin_credential_cannot_be_taken_away) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  const auto now = monday_morning();
  required(create_user(directory, person("chen.jie", Role::kAdmin)));
  required(create_token(directory, token_for("tok-chen", "chen.jie", Role::kAdmin, 3), now));
  // An admin without a token, and a revoked admin token, are no way back in.
  required(create_user(directory, person("wang.fang", Role::kAdmin)));
  required(create_token(directory, token_for("tok-old", "chen.jie", Role::kAdmin, 5), now));
  required(revoke_token(directory, "tok-old", now));  // allowed: tok-chen remains

  UserPatch demote;
  demote.role = Role::kAgent;
  require_error(update_user(directory, "chen.jie", demote), "LAST_ADMIN", "/role");
  UserPatch deactivate;
  deactivate.active = false;
  require_error(update_user(directory, "chen.jie", deactivate), "LAST_ADMIN", "/active");
  require_error(revoke_token(directory, "tok-chen", now), "LAST_ADMIN", "/id");
  // Nothing changed.
  BOOST_TEST(required(directory.has_active_admin_token(now)));
  // Renaming the last admin is fine, and so is demoting the admin who has no token.
  UserPatch rename;
  rename.display_name = "Chen Jie";
  BOOST_TEST(required(update_user(directory, "chen.jie", rename)).display_name == "Chen Jie");
  BOOST_TEST(required(update_user(directory, "wang.fang", demote)).role == Role::kAgent);

  // With a second credential (a token tied to no user, as `redress init` issues), all three
  // are allowed.
  required(create_token(directory, token_for("tok-root", "", Role::kAdmin, 6), now));
  required(revoke_token(directory, "tok-chen", now));
  BOOST_TEST(required(update_user(directory, "chen.jie", deactivate)).active == false);
  BOOST_TEST(required(directory.has_active_admin_token(now)));
  require_error(revoke_token(directory, "tok-root", now), "LAST_ADMIN", "/id");
}

BOOST_AUTO_TEST_CASE(a_token_is_found_by_its_hash_with_its_user) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  required(create_team(directory, team("after_sales")));
  required(create_user(directory, person("li.na", Role::kAgent, "after_sales")));
  const auto now = monday_morning();
  const auto expiry = now + std::chrono::hours(24 * 90);
  auto named = token_for("tok-li", "li.na", Role::kAgent, 10, expiry);
  named.label = "O'Brien's \"laptop\"; DROP TABLE users; --";  // stored as data, never as SQL
  const auto created = required(create_token(directory, named, now));
  BOOST_TEST(created.id == "tok-li");
  BOOST_TEST(created.created_at == now);
  BOOST_TEST(created.expires_at == std::optional<Instant>(expiry));
  BOOST_TEST(!created.revoked_at.has_value());
  BOOST_TEST(!created.last_used_at.has_value());

  const auto grant = required(directory.find_token(hash_of(10)));
  BOOST_REQUIRE(grant.has_value());
  BOOST_TEST(grant->token.id == "tok-li");
  BOOST_TEST(grant->token.user_id == "li.na");
  BOOST_TEST(grant->token.role == Role::kAgent);
  BOOST_TEST(grant->token.label == named.label);
  BOOST_TEST(grant->token.created_at == now);
  BOOST_TEST(grant->token.expires_at == std::optional<Instant>(expiry));
  BOOST_REQUIRE(grant->user.has_value());
  BOOST_TEST(grant->user->id == "li.na");
  BOOST_TEST(grant->user->team_id == "after_sales");
  BOOST_TEST(grant->user->role == Role::kAgent);

  // One bit off is another hash.
  auto wrong = hash_of(10);
  wrong[31] ^= 1;
  BOOST_TEST(!required(directory.find_token(wrong)).has_value());

  // A token of another system is tied to no user and may carry any assignable role.
  required(create_token(directory, token_for("tok-erp", "", Role::kIntegration, 20), now));
  const auto erp = required(directory.find_token(hash_of(20)));
  BOOST_REQUIRE(erp.has_value());
  BOOST_TEST(erp->token.user_id.empty());
  BOOST_TEST(erp->token.role == Role::kIntegration);
  BOOST_TEST(!erp->user.has_value());
  BOOST_TEST(!erp->token.expires_at.has_value());
}

BOOST_AUTO_TEST_CASE(a_users_token_must_carry_the_users_role_and_ids_and_hashes_are_unique) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  const auto now = monday_morning();
  required(create_user(directory, person("li.na", Role::kAgent)));

  const auto mismatch = create_token(directory, token_for("tok-1", "li.na", Role::kAdmin, 1), now);
  require_error(mismatch, "INVALID_FIELD", "/role");
  BOOST_TEST(mismatch.error().message.find("agent") != std::string::npos);
  require_error(create_token(directory, token_for("tok-1", "ghost", Role::kAgent, 1), now),
                "NOT_FOUND", "/user_id");
  BOOST_TEST(required(directory.list_tokens("", true, "", 10)).empty());

  required(create_token(directory, token_for("tok-1", "li.na", Role::kAgent, 1), now));
  require_error(create_token(directory, token_for("tok-1", "li.na", Role::kAgent, 2), now),
                "ALREADY_EXISTS", "/id");
  require_error(create_token(directory, token_for("tok-2", "li.na", Role::kAgent, 1), now),
                "ALREADY_EXISTS", "/hash");

  // A deactivated user could never use a new token.
  UserPatch deactivate;
  deactivate.active = false;
  required(update_user(directory, "li.na", deactivate));
  require_error(create_token(directory, token_for("tok-3", "li.na", Role::kAgent, 3), now),
                "INVALID_FIELD", "/user_id");
  BOOST_TEST(required(directory.list_tokens("", true, "", 10)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(revoking_is_idempotent_and_keeps_the_first_time) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  const auto now = monday_morning();
  required(create_token(directory, token_for("tok-1", "", Role::kIntegration, 1), now));

  const auto first = required(revoke_token(directory, "tok-1", now + std::chrono::minutes(5)));
  BOOST_TEST(first.revoked_at == std::optional<Instant>(now + std::chrono::minutes(5)));
  const auto again = required(revoke_token(directory, "tok-1", now + std::chrono::hours(2)));
  BOOST_TEST(again.revoked_at == std::optional<Instant>(now + std::chrono::minutes(5)));
  const auto found = required(directory.find_token(hash_of(1)));
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST(found->token.revoked_at == std::optional<Instant>(now + std::chrono::minutes(5)));

  require_error(revoke_token(directory, "tok-404", now), "NOT_FOUND", "/id");
  require_error(revoke_token(directory, "", now), "INVALID_FIELD", "/id");
}

BOOST_AUTO_TEST_CASE(lists_tokens_by_user_with_or_without_the_revoked_ones) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  const auto now = monday_morning();
  required(create_user(directory, person("li.na")));
  required(create_user(directory, person("wang.lei", Role::kTeamLead)));
  required(create_token(directory, token_for("a-li-1", "li.na", Role::kAgent, 1), now));
  required(create_token(directory, token_for("b-li-2", "li.na", Role::kAgent, 2), now));
  required(create_token(directory, token_for("c-wang", "wang.lei", Role::kTeamLead, 3), now));
  required(create_token(directory, token_for("d-erp", "", Role::kIntegration, 4), now));
  required(create_token(directory, token_for("e-li-3", "li.na", Role::kAgent, 5), now));
  required(revoke_token(directory, "b-li-2", now));

  BOOST_TEST(ids_of(required(directory.list_tokens("", true, "", 10))) ==
                 strings({"a-li-1", "b-li-2", "c-wang", "d-erp", "e-li-3"}),
             boost::test_tools::per_element());
  BOOST_TEST(ids_of(required(directory.list_tokens("", false, "", 10))) ==
                 strings({"a-li-1", "c-wang", "d-erp", "e-li-3"}),
             boost::test_tools::per_element());
  BOOST_TEST(ids_of(required(directory.list_tokens("li.na", true, "", 10))) ==
                 strings({"a-li-1", "b-li-2", "e-li-3"}),
             boost::test_tools::per_element());
  BOOST_TEST(ids_of(required(directory.list_tokens("li.na", false, "", 10))) ==
                 strings({"a-li-1", "e-li-3"}),
             boost::test_tools::per_element());
  const auto page = required(directory.list_tokens("li.na", true, "", 2));
  BOOST_TEST(ids_of(page) == strings({"a-li-1", "b-li-2"}), boost::test_tools::per_element());
  BOOST_TEST(ids_of(required(directory.list_tokens("li.na", true, page.back().id, 2))) ==
                 strings({"e-li-3"}),
             boost::test_tools::per_element());
  const auto revoked = required(directory.list_tokens("li.na", true, "a-li-1", 1));
  BOOST_REQUIRE(revoked.size() == 1u);
  BOOST_TEST(revoked.front().revoked_at == std::optional<Instant>(now));
}

BOOST_AUTO_TEST_CASE(touch_tokens_writes_a_batch_at_once_and_only_moves_forward) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  const auto t0 = monday_morning();
  required(create_token(directory, token_for("tok-1", "", Role::kIntegration, 1), t0));
  required(create_token(directory, token_for("tok-2", "", Role::kIntegration, 2), t0));
  const auto last_used = [&](unsigned char seed) {
    return required(directory.find_token(hash_of(seed)))->token.last_used_at;
  };

  const auto t1 = t0 + std::chrono::minutes(1);
  const auto t2 = t0 + std::chrono::minutes(2);
  // Several uses of one token in a batch: the latest counts. Unknown ids are ignored.
  BOOST_TEST(required(touch_tokens(
                 directory, {{"tok-1", t1}, {"tok-2", t1}, {"tok-1", t2}, {"tok-404", t2}})) == 2u);
  BOOST_TEST(last_used(1) == std::optional<Instant>(t2));
  BOOST_TEST(last_used(2) == std::optional<Instant>(t1));

  // A delayed, older batch does not move anything back.
  BOOST_TEST(required(touch_tokens(directory, {{"tok-1", t1}, {"tok-2", t1}})) == 0u);
  BOOST_TEST(last_used(1) == std::optional<Instant>(t2));
  BOOST_TEST(last_used(2) == std::optional<Instant>(t1));

  const auto t3 = t0 + std::chrono::minutes(3);
  BOOST_TEST(required(touch_tokens(directory, {{"tok-2", t3}})) == 1u);
  BOOST_TEST(last_used(2) == std::optional<Instant>(t3));
  BOOST_TEST(required(touch_tokens(directory, {})) == 0u);
}

BOOST_AUTO_TEST_CASE(has_active_admin_token_follows_creation_expiry_revocation_and_the_user) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  const auto now = monday_morning();
  BOOST_TEST(!required(directory.has_active_admin_token(now)));

  required(create_token(directory, token_for("tok-agent", "", Role::kAgent, 1), now));
  BOOST_TEST(!required(directory.has_active_admin_token(now)));

  const auto expiry = now + std::chrono::hours(1);
  required(create_token(directory, token_for("tok-admin", "", Role::kAdmin, 2, expiry), now));
  BOOST_TEST(required(directory.has_active_admin_token(now)));
  BOOST_TEST(required(directory.has_active_admin_token(expiry - std::chrono::milliseconds(1))));
  BOOST_TEST(!required(directory.has_active_admin_token(expiry)));

  required(create_token(directory, token_for("tok-admin-2", "", Role::kAdmin, 3), now));
  BOOST_TEST(required(directory.has_active_admin_token(expiry)));
  required(revoke_token(directory, "tok-admin-2", now));
  BOOST_TEST(!required(directory.has_active_admin_token(now + std::chrono::hours(2))));

  // An admin user's token counts only while the user is active.
  required(create_user(directory, person("chen.jie", Role::kAdmin)));
  required(create_token(directory, token_for("tok-chen", "chen.jie", Role::kAdmin, 4), now));
  BOOST_TEST(required(directory.has_active_admin_token(now + std::chrono::hours(2))));
  UserPatch deactivate;
  deactivate.active = false;
  required(update_user(directory, "chen.jie", deactivate));
  BOOST_TEST(!required(directory.has_active_admin_token(now + std::chrono::hours(2))));
}

BOOST_AUTO_TEST_CASE(everything_survives_closing_and_reopening_the_database) {
  TempDir dir;
  const auto options = options_for(dir);
  const auto now = monday_morning();
  {
    auto store = open_store(options);
    DirectoryStore directory(*store);
    required(create_team(directory, team("after_sales", "售后")));
    required(create_user(directory, person("li.na", Role::kAgent, "after_sales")));
    required(create_token(
        directory, token_for("tok-li", "li.na", Role::kAgent, 9, now + std::chrono::hours(24)),
        now));
    required(create_token(directory, token_for("tok-admin", "", Role::kAdmin, 10), now));
    // A second admin token: the last one may not be revoked (LAST_ADMIN).
    required(create_token(directory, token_for("tok-admin-2", "", Role::kAdmin, 11), now));
    required(touch_tokens(directory, {{"tok-li", now + std::chrono::minutes(1)}}));
    required(revoke_token(directory, "tok-admin", now + std::chrono::minutes(2)));
  }
  auto store = open_store(options);
  DirectoryStore directory(*store);
  BOOST_TEST(required(directory.get_team("after_sales"))->name == "售后");
  const auto user = required(directory.get_user("li.na"));
  BOOST_REQUIRE(user.has_value());
  BOOST_TEST(user->team_id == "after_sales");
  const auto grant = required(directory.find_token(hash_of(9)));
  BOOST_REQUIRE(grant.has_value());
  BOOST_TEST(grant->token.id == "tok-li");
  BOOST_TEST(grant->token.last_used_at == std::optional<Instant>(now + std::chrono::minutes(1)));
  BOOST_TEST(grant->token.expires_at == std::optional<Instant>(now + std::chrono::hours(24)));
  BOOST_TEST(grant->user->id == "li.na");
  const auto admin = required(directory.find_token(hash_of(10)));
  BOOST_REQUIRE(admin.has_value());
  BOOST_TEST(admin->token.revoked_at == std::optional<Instant>(now + std::chrono::minutes(2)));
  BOOST_TEST(required(directory.has_active_admin_token(now)));  // tok-admin-2
  BOOST_TEST(required(directory.list_tokens("", true, "", 10)).size() == 3u);
}

// --- sessions --------------------------------------------------------------------------------

namespace {

// A person with a token "tok-li" (hash seed 9) that expires after `token_life`.
void seed_person_with_token(DirectoryStore& directory, Instant now,
                            std::optional<Millis> token_life = std::nullopt) {
  required(create_team(directory, team("after_sales")));
  required(create_user(directory, person("li.na", Role::kAgent, "after_sales")));
  std::optional<Instant> expires;
  if (token_life) expires = now + *token_life;
  required(create_token(directory, token_for("tok-li", "li.na", Role::kAgent, 9, expires), now));
}

NewSession session_of(const std::string& id, unsigned char seed, Instant expires,
                      Instant max_expires, const std::string& token_id = "tok-li") {
  return NewSession{id, hash_of(seed), token_id, expires, max_expires};
}

// A fresh database with the person "li.na" and her token "tok-li" (see seed_person_with_token).
struct SessionStore {
  explicit SessionStore(std::optional<Millis> token_life = std::nullopt)
      : store(open_store(options_for(dir))), directory(*store) {
    seed_person_with_token(directory, now, token_life);
  }
  TempDir dir;
  std::unique_ptr<CaseStore> store;
  DirectoryStore directory;
  const Instant now = monday_morning();
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_session_is_found_by_its_hash_with_its_parent_token_and_user) {
  SessionStore fixture;
  auto& directory = fixture.directory;
  const auto now = fixture.now;
  const auto created = required(create_session(
      directory,
      session_of("S-1", 50, now + std::chrono::minutes(30), now + std::chrono::hours(12)), now));
  BOOST_TEST(created.id == "S-1");
  BOOST_TEST(created.token_id == "tok-li");
  BOOST_TEST(created.created_at == now);

  const auto grant = required(directory.find_session(hash_of(50)));
  BOOST_REQUIRE(grant.has_value());
  BOOST_TEST(grant->session.id == "S-1");
  BOOST_TEST(grant->session.expires_at == now + std::chrono::minutes(30));
  BOOST_TEST(grant->session.max_expires_at == now + std::chrono::hours(12));
  BOOST_TEST(!grant->session.revoked_at.has_value());
  BOOST_TEST(grant->parent.token.id == "tok-li");
  BOOST_TEST(grant->parent.token.role == Role::kAgent);
  BOOST_REQUIRE(grant->parent.user.has_value());
  BOOST_TEST(grant->parent.user->team_id == "after_sales");

  // A session's hash is no token's, a token's is no session's, and sessions are not listed.
  BOOST_TEST(!required(directory.find_token(hash_of(50))).has_value());
  BOOST_TEST(!required(directory.find_session(hash_of(9))).has_value());
  BOOST_TEST(ids_of(required(directory.list_tokens("", true, "", 10))) == strings({"tok-li"}));
}

BOOST_AUTO_TEST_CASE(a_session_needs_a_working_parent_and_may_not_outlive_it) {
  SessionStore fixture(std::chrono::hours(1));
  auto& directory = fixture.directory;
  const auto now = fixture.now;
  const auto half_hour = now + std::chrono::minutes(30);
  require_error(
      create_session(directory, session_of("S-1", 50, half_hour, half_hour, "tok-none"), now),
      "NOT_FOUND", "/token_id");
  // The absolute end past the token's expiry.
  require_error(
      create_session(directory, session_of("S-1", 50, half_hour, now + std::chrono::hours(2)), now),
      "INVALID_FIELD", "/expires_at");
  // An expiry in the past, or past the absolute end.
  require_error(create_session(directory, session_of("S-1", 50, now, half_hour), now),
                "INVALID_FIELD", "/expires_at");
  require_error(
      create_session(directory, session_of("S-1", 50, half_hour, now + std::chrono::minutes(5)),
                     now),
      "INVALID_FIELD", "/expires_at");
  require_error(
      create_session(directory, NewSession{"S-1", {1, 2, 3}, "tok-li", half_hour, half_hour}, now),
      "INVALID_FIELD", "/hash");
  // The token's own hash may not become a session's.
  require_error(create_session(directory, session_of("S-1", 9, half_hour, half_hour), now),
                "ALREADY_EXISTS", "/hash");

  required(create_session(directory, session_of("S-1", 50, half_hour, half_hour), now));
  require_error(create_session(directory, session_of("S-1", 51, half_hour, half_hour), now),
                "ALREADY_EXISTS", "/id");

  // A revoked parent, or a deactivated user, opens no session.
  required(create_user(directory, person("wang.fang", Role::kAgent, "after_sales")));
  required(create_token(directory, token_for("tok-wang", "wang.fang", Role::kAgent, 12), now));
  required(update_user(directory, "wang.fang", UserPatch{{}, {}, {}, false, {}}));
  auto refused =
      create_session(directory, session_of("S-2", 52, half_hour, half_hour, "tok-wang"), now);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().code_name() == std::string("INVALID_STATE"));
  required(revoke_token(directory, "tok-li", now));
  refused = create_session(directory, session_of("S-3", 53, half_hour, half_hour), now);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().code_name() == std::string("INVALID_STATE"));
}

BOOST_AUTO_TEST_CASE(refresh_moves_the_expiry_up_to_the_absolute_end_and_never_revives) {
  SessionStore fixture;
  auto& directory = fixture.directory;
  const auto now = fixture.now;
  const Millis ttl = std::chrono::minutes(30);
  required(create_session(directory, session_of("S-1", 50, now + ttl, now + std::chrono::hours(1)),
                          now));
  auto refreshed = required(refresh_session(directory, "S-1", now + std::chrono::minutes(20), ttl));
  BOOST_TEST(refreshed.expires_at == now + std::chrono::minutes(50));
  // Near the absolute end, a refresh stops there.
  refreshed = required(refresh_session(directory, "S-1", now + std::chrono::minutes(45), ttl));
  BOOST_TEST(refreshed.expires_at == now + std::chrono::hours(1));
  BOOST_TEST(required(directory.get_session("S-1"))->expires_at == now + std::chrono::hours(1));
  // Expired: not revived.
  auto late = refresh_session(directory, "S-1", now + std::chrono::hours(1), ttl);
  BOOST_REQUIRE(!late.ok());
  BOOST_TEST(late.error().code_name() == std::string("INVALID_STATE"));
  require_error(refresh_session(directory, "S-none", now, ttl), "NOT_FOUND", "/id");
}

BOOST_AUTO_TEST_CASE(revoking_a_session_is_idempotent_and_ends_refreshes) {
  SessionStore fixture;
  auto& directory = fixture.directory;
  const auto now = fixture.now;
  const auto end = now + std::chrono::hours(1);
  required(create_session(directory, session_of("S-1", 50, end, end), now));
  const auto first = required(revoke_session(directory, "S-1", now + std::chrono::minutes(1)));
  BOOST_TEST(first.revoked_at == std::optional<Instant>(now + std::chrono::minutes(1)));
  const auto again = required(revoke_session(directory, "S-1", now + std::chrono::minutes(2)));
  BOOST_TEST(again.revoked_at == std::optional<Instant>(now + std::chrono::minutes(1)));
  auto refreshed =
      refresh_session(directory, "S-1", now + std::chrono::minutes(3), std::chrono::minutes(30));
  BOOST_REQUIRE(!refreshed.ok());
  BOOST_TEST(refreshed.error().code_name() == std::string("INVALID_STATE"));
  require_error(revoke_session(directory, "S-none", now), "NOT_FOUND", "/id");
  // The token itself is untouched.
  BOOST_TEST(!required(directory.find_token(hash_of(9)))->token.revoked_at.has_value());
}

BOOST_AUTO_TEST_CASE(a_role_change_or_a_deactivation_revokes_the_users_sessions_only) {
  SessionStore fixture;
  auto& directory = fixture.directory;
  const auto now = fixture.now;
  const auto end = now + std::chrono::hours(1);
  required(create_user(directory, person("wang.fang", Role::kAgent, "after_sales")));
  required(create_token(directory, token_for("tok-wang", "wang.fang", Role::kAgent, 12), now));
  required(create_session(directory, session_of("S-li", 50, end, end), now));
  required(create_session(directory, session_of("S-wang", 51, end, end, "tok-wang"), now));

  // A new display name or team leaves the session alone.
  required(update_user(directory, "li.na", UserPatch{"Li Na (李娜)", {}, {}, {}, {}}));
  BOOST_TEST(!required(directory.get_session("S-li"))->revoked_at.has_value());
  required(update_user(directory, "li.na", UserPatch{{}, Role::kTeamLead, {}, {}, {}}));
  BOOST_TEST(required(directory.get_session("S-li"))->revoked_at == std::optional<Instant>(now));
  BOOST_TEST(!required(directory.get_session("S-wang"))->revoked_at.has_value());
  required(update_user(directory, "wang.fang", UserPatch{{}, {}, {}, false, {}}));
  BOOST_TEST(required(directory.get_session("S-wang"))->revoked_at.has_value());
  // The tokens themselves stay (a deactivated user's token is refused by its user's state).
  BOOST_TEST(!required(directory.find_token(hash_of(9)))->token.revoked_at.has_value());
}

BOOST_AUTO_TEST_CASE(expired_sessions_are_purged_oldest_first_in_bounded_batches) {
  SessionStore fixture;
  auto& directory = fixture.directory;
  const auto now = fixture.now;
  for (int i = 0; i < 4; ++i) {
    const auto end = now + std::chrono::minutes(10 * (i + 1));
    required(create_session(
        directory,
        session_of("S-" + std::to_string(i), static_cast<unsigned char>(60 + i), end, end), now));
  }
  const auto purge = [&](Instant before, size_t limit) {
    return required(await_result<size_t>(
        [&](auto done) { directory.purge_expired_sessions(before, limit, std::move(done)); }));
  };
  // Expired before now + 35 min: S-0, S-1, S-2 (at 10, 20, 30 min); one per batch here.
  BOOST_TEST(purge(now + std::chrono::minutes(35), 1) == 1u);
  BOOST_TEST(!required(directory.get_session("S-0")).has_value());
  BOOST_TEST(required(directory.get_session("S-1")).has_value());
  BOOST_TEST(purge(now + std::chrono::minutes(35), 100) == 2u);
  BOOST_TEST(purge(now + std::chrono::minutes(35), 100) == 0u);
  BOOST_TEST(required(directory.get_session("S-3")).has_value());
  BOOST_TEST(required(directory.find_session(hash_of(63))).has_value());
  // The parent token stays.
  BOOST_TEST(required(directory.find_token(hash_of(9))).has_value());
}

BOOST_AUTO_TEST_CASE(sessions_and_their_last_use_survive_closing_and_reopening_the_database) {
  TempDir dir;
  const auto options = options_for(dir);
  const auto now = monday_morning();
  const auto end = now + std::chrono::hours(1);
  {
    auto store = open_store(options);
    DirectoryStore directory(*store);
    seed_person_with_token(directory, now);
    required(create_session(directory, session_of("S-1", 50, end, end), now));
    const auto used = now + std::chrono::minutes(3);
    const auto touched = await_result<size_t>([&](auto done) {
      directory.touch_sessions({{"S-1", used}, {"S-1", now}, {"S-none", used}}, std::move(done));
    });
    BOOST_TEST(required(touched) == 1u);
    // Only forward.
    const auto back = await_result<size_t>([&](auto done) {
      directory.touch_sessions({{"S-1", now}}, std::move(done));
    });
    BOOST_TEST(required(back) == 0u);
  }
  auto store = open_store(options);
  DirectoryStore directory(*store);
  const auto grant = required(directory.find_session(hash_of(50)));
  BOOST_REQUIRE(grant.has_value());
  BOOST_TEST(grant->session.last_used_at == std::optional<Instant>(now + std::chrono::minutes(3)));
  BOOST_TEST(grant->session.expires_at == end);
  BOOST_TEST(grant->parent.token.id == "tok-li");
}

// Integration tokens made before scopes existed could do everything their role allowed: the
// migration gives them every scope there was, and a person's token none.
BOOST_AUTO_TEST_CASE(migration_eight_keeps_older_integration_tokens_able_to_do_what_they_did) {
  TempDir dir;
  {
    auto store = open_store(options_for(dir));
    DirectoryStore directory(*store);
    required(
        create_token(directory, token_for("tok-erp", "", Role::kIntegration, 1), monday_morning()));
    required(create_user(directory, person("li.na", Role::kAgent)));
    required(
        create_token(directory, token_for("tok-li", "li.na", Role::kAgent, 2), monday_morning()));
  }
  {
    SqliteDb db(dir.file("redress.db"), OpenOptions{});
    db.exec(kUndoMigrationEightSql);
  }
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  const auto erp = required(directory.get_token("tok-erp"));
  BOOST_REQUIRE(erp);
  BOOST_TEST(erp->scopes.find("cases:write") != std::string::npos);
  BOOST_TEST(erp->scopes.find("compensations:execute") != std::string::npos);
  BOOST_TEST(erp->scopes.find("metrics:read") != std::string::npos);
  const auto li = required(directory.get_token("tok-li"));
  BOOST_REQUIRE(li);
  BOOST_TEST(li->scopes.empty());

  // New tokens keep the scopes they are given.
  auto scoped = token_for("tok-wms", "", Role::kIntegration, 3);
  scoped.scopes = "orders:write";
  BOOST_TEST(required(create_token(directory, scoped, monday_morning())).scopes == "orders:write");
  BOOST_TEST(required(directory.get_token("tok-wms"))->scopes == "orders:write");
}

BOOST_AUTO_TEST_CASE(availability_changes_are_recorded_with_who_and_when_and_survive_a_restart) {
  TempDir dir;
  const auto later = monday_morning() + std::chrono::minutes(30);
  {
    auto store = open_store(options_for(dir));
    DirectoryStore directory(*store);
    required(create_team(directory, team("after_sales")));
    const auto created =
        required(create_user(directory, person("li.na", Role::kAgent, "after_sales")));
    BOOST_TEST((created.availability == Availability::kOnShift));
    BOOST_TEST(!created.availability_since.has_value());
    const auto set_availability = [&](Availability availability, const std::string& by,
                                      Instant at) {
      return required(await_result<User>([&](auto done) {
        directory.set_availability("li.na", availability, by, at, std::move(done));
      }));
    };
    const auto away = set_availability(Availability::kAway, "li.na", monday_morning());
    BOOST_TEST((away.availability == Availability::kAway));
    BOOST_TEST(away.availability_by == "li.na");
    // The same availability again changes and records nothing (a retried PUT).
    set_availability(Availability::kAway, "lead.wang", later);
    set_availability(Availability::kOnShift, "lead.wang", later);
    const auto missing = await_result<User>([&](auto done) {
      directory.set_availability("nobody", Availability::kAway, "x", later, std::move(done));
    });
    BOOST_REQUIRE(!missing.ok());
    BOOST_TEST(missing.error().code == redress::ErrorCode::kNotFound);
  }
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  const auto user = required(directory.get_user("li.na"));
  BOOST_REQUIRE(user.has_value());
  BOOST_TEST((user->availability == Availability::kOnShift));
  BOOST_TEST(user->availability_by == "lead.wang");
  BOOST_TEST(user->availability_since == std::optional<Instant>(later));
  const auto changes = required(directory.list_availability_changes("li.na", 10));
  BOOST_REQUIRE(changes.size() == 2U);
  BOOST_TEST(changes[0].changed_by == "lead.wang");
  BOOST_TEST((changes[0].availability == Availability::kOnShift));
  BOOST_TEST(changes[1].changed_by == "li.na");
}

BOOST_AUTO_TEST_CASE(skills_and_team_calendars_are_checked_and_kept) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  DirectoryStore directory(*store);
  required(create_team(directory, team("after_sales")));
  required(create_user(directory, person("li.na", Role::kAgent, "after_sales")));
  UserPatch skills;
  skills.skills = strings({"refunds", "quality_inspection"});
  const auto updated = required(update_user(directory, "li.na", skills));
  BOOST_TEST(updated.skills == strings({"quality_inspection", "refunds"}),
             boost::test_tools::per_element());
  BOOST_TEST(required(directory.get_user("li.na"))->skills == updated.skills,
             boost::test_tools::per_element());
  for (const auto& bad : {strings({"Refunds"}), strings({"refunds", "refunds"})}) {
    UserPatch patch;
    patch.skills = bad;
    const auto refused = update_user(directory, "li.na", patch);
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.error().pointer.starts_with("/skills/"));
  }

  const auto update_team = [&](TeamPatch patch) {
    return await_result<Team>([&](auto done) {
      directory.update_team("after_sales", std::move(patch), std::move(done));
    });
  };
  const auto with_calendar = required(update_team(TeamPatch{{}, "cn_office"}));
  BOOST_TEST(with_calendar.calendar == "cn_office");
  BOOST_TEST(required(directory.get_team("after_sales"))->calendar == "cn_office");
  const auto refused = update_team(TeamPatch{{}, "Not A Calendar"});
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().pointer == "/calendar");
  BOOST_TEST(required(update_team(TeamPatch{"After-sales 1", ""})).calendar.empty());
}

BOOST_AUTO_TEST_SUITE_END()
