#include "storage/directory_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <string_view>

#include "engine/utf8.h"

namespace redress::storage {
namespace {

constexpr size_t kMaxDirectoryIdLength = 128;
constexpr size_t kMaxTextBytes = 200;
constexpr const char* kDirectoryIdRule = "1 to 128 characters from A-Z, a-z, 0-9 and . _ @ -";
constexpr const char* kAssignableRoles =
    "agent, team_lead, supervisor, manager, admin or integration";

// A value as an error message may show it: at most ~60 bytes, control characters escaped, and
// every non-ASCII byte escaped when the value is not valid UTF-8 (messages end up in JSON).
std::string shown_in_message(std::string_view value) {
  constexpr size_t kShownBytes = 60;
  const bool valid_utf8 = utf8_length(value).has_value();
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool continuation = (c & 0xC0) == 0x80;
    if (out.size() >= kShownBytes && !(valid_utf8 && continuation)) {
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && !valid_utf8)) {
      constexpr const char* kHex = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool is_directory_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '-';
}

// `what` names the field for the message ("team id"), `pointer` locates it in the request.
std::optional<Error> check_directory_id(std::string_view value, const std::string& what,
                                        const std::string& pointer) {
  if (value.empty()) {
    return Error::invalid_field(what + " is empty; use " + kDirectoryIdRule, pointer,
                                problem_params("empty"));
  }
  if (value.size() > kMaxDirectoryIdLength) {
    return Error::invalid_field(
        what + " '" + shown_in_message(value) + "' is " + std::to_string(value.size()) +
            " characters long; use " + kDirectoryIdRule,
        pointer,
        problem_params("too_long",
                       {{"max_length", kMaxDirectoryIdLength}, {"length", value.size()}}));
  }
  if (!std::all_of(value.begin(), value.end(), is_directory_id_char)) {
    return Error::invalid_field(
        what + " '" + shown_in_message(value) + "' is not valid; use " + kDirectoryIdRule, pointer,
        problem_params("invalid_id"));
  }
  return std::nullopt;
}

std::optional<Error> check_directory_text(std::string_view value, const std::string& what,
                                          const std::string& pointer, bool required) {
  if (required && value.empty()) {
    return Error::invalid_field(
        what + " is empty; give 1 to " + std::to_string(kMaxTextBytes) + " bytes of text", pointer,
        problem_params("empty"));
  }
  if (!utf8_length(value)) {
    return Error::invalid_field(what + " '" + shown_in_message(value) + "' is not valid UTF-8",
                                pointer, problem_params("not_utf8"));
  }
  if (value.size() > kMaxTextBytes) {
    return Error::invalid_field(
        what + " '" + shown_in_message(value) + "' is " + std::to_string(value.size()) +
            " bytes long; the maximum is " + std::to_string(kMaxTextBytes) + " bytes",
        pointer, problem_params("too_many_bytes", {{"max_bytes", kMaxTextBytes}}));
  }
  return std::nullopt;
}

std::optional<Error> check_role(Role role, const std::string& pointer) {
  if (role == Role::kSystem) {
    return Error::invalid_field(
        std::string("role 'system' is reserved for Redress itself; choose ") + kAssignableRoles,
        pointer, problem_params("reserved_role"));
  }
  return std::nullopt;
}

std::optional<Error> check_hash(const std::vector<unsigned char>& hash) {
  if (hash.size() != kTokenHashBytes) {
    return Error::invalid_field(
        "token hash is " + std::to_string(hash.size()) +
            " bytes long; it must be the 32-byte SHA-256 of the token's secret",
        "/hash");
  }
  return std::nullopt;
}

// A stored role Redress cannot read means the row was written by something else, or damaged.
Role stored_role(const std::string& text, const char* table, const std::string& id) {
  if (auto role = parse_role(text)) return *role;
  throw SqliteError(SQLITE_CORRUPT, std::string(table) + " row '" + shown_in_message(id) +
                                        "' has unknown role '" + shown_in_message(text) + "'");
}

// --- rows ----------------------------------------------------------------------------------

constexpr const char* kTeamColumns = "id, name, created_at, calendar";

Team read_team(const Statement& row) {
  return Team{row.column_text(0), row.column_text(1), from_millis(row.column_int(2)),
              row.column_text(3)};
}

// Prefixed so that they can be joined with api_tokens.
constexpr const char* kUserColumns =
    "u.id, u.display_name, u.role, u.team_id, u.active, u.created_at, u.availability, "
    "u.availability_since, u.availability_by, u.skills";

Availability stored_availability(const std::string& text, const std::string& id) {
  if (auto availability = parse_availability(text)) return *availability;
  throw SqliteError(SQLITE_CORRUPT, "users row '" + shown_in_message(id) +
                                        "' has unknown availability '" + shown_in_message(text) +
                                        "'");
}

std::vector<std::string> stored_skills(const std::string& text, const std::string& id) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> skills;
  if (parsed.is_array()) {
    for (const auto& skill : parsed) {
      if (!skill.is_string()) break;
      skills.push_back(skill.get<std::string>());
    }
    if (skills.size() == parsed.size()) return skills;
  }
  throw SqliteError(SQLITE_CORRUPT,
                    "users row '" + shown_in_message(id) + "' has unreadable skills");
}

std::string skills_text(const std::vector<std::string>& skills) {
  return nlohmann::json(skills).dump();
}

User read_user(const Statement& row, int first = 0) {
  User user;
  user.id = row.column_text(first);
  user.display_name = row.column_text(first + 1);
  user.role = stored_role(row.column_text(first + 2), "users", user.id);
  user.team_id = row.column_text(first + 3);  // NULL reads as ""
  user.active = row.column_int(first + 4) != 0;
  user.created_at = from_millis(row.column_int(first + 5));
  user.availability = stored_availability(row.column_text(first + 6), user.id);
  user.availability_since = column_optional_instant(row, first + 7);
  user.availability_by = row.column_text(first + 8);
  user.skills = stored_skills(row.column_text(first + 9), user.id);
  return user;
}

constexpr const char* kTokenColumns =
    "t.id, t.user_id, t.role, t.label, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, "
    "t.scopes";
constexpr int kTokenColumnCount = 9;

ApiToken read_token(const Statement& row, int first = 0) {
  ApiToken token;
  token.id = row.column_text(first);
  token.user_id = row.column_text(first + 1);
  token.role = stored_role(row.column_text(first + 2), "api_tokens", token.id);
  token.label = row.column_text(first + 3);
  token.created_at = from_millis(row.column_int(first + 4));
  token.expires_at = column_optional_instant(row, first + 5);
  token.revoked_at = column_optional_instant(row, first + 6);
  token.last_used_at = column_optional_instant(row, first + 7);
  token.scopes = row.column_text(first + 8);
  return token;
}

// The lookups below serve both the writer (WriteContext) and the readers (ReadContext).

template <typename Context>
std::optional<Team> load_team(Context& context, const std::string& id) {
  auto select =
      context.statement(std::string("SELECT ") + kTeamColumns + " FROM teams WHERE id = ?");
  select->bind(1, id);
  if (!select->step()) return std::nullopt;
  return read_team(*select);
}

template <typename Context>
std::optional<User> load_user(Context& context, const std::string& id) {
  auto select =
      context.statement(std::string("SELECT ") + kUserColumns + " FROM users AS u WHERE u.id = ?");
  select->bind(1, id);
  if (!select->step()) return std::nullopt;
  return read_user(*select);
}

template <typename Context>
std::optional<ApiToken> load_token(Context& context, const std::string& id) {
  auto select = context.statement(std::string("SELECT ") + kTokenColumns +
                                  " FROM api_tokens AS t WHERE t.id = ?");
  select->bind(1, id);
  if (!select->step()) return std::nullopt;
  return read_token(*select);
}

bool token_hash_taken(WriteContext& context, const std::vector<unsigned char>& hash) {
  auto select = context.statement("SELECT 1 FROM api_tokens WHERE token_hash = ?");
  select->bind_blob(1, hash.data(), static_cast<int>(hash.size()));
  return select->step();
}

Error team_not_found(const std::string& team_id) {
  return Error::not_found(
      "team '" + team_id + "' does not exist; create it first, or leave team_id empty", "/team_id");
}

// The checks above run before every insert, and the single writer leaves no race between a
// check and its insert, so a constraint failure here means a rule of the schema the checks do
// not know. It becomes a clear error (the savepoint is rolled back) rather than the generic
// STORAGE_CONSTRAINT. Other SQLite errors keep unwinding to the writer, which must see them (a
// full disk may have ended the whole transaction).
template <typename T, typename Work>
std::function<Result<T>(WriteContext&)> guarded(Work work) {
  return [work = std::move(work)](WriteContext& context) -> Result<T> {
    try {
      return work(context);
    } catch (const SqliteError& e) {
      if ((e.code() & 0xff) != SQLITE_CONSTRAINT || !context.db().in_transaction()) throw;
      switch (e.code()) {
        case SQLITE_CONSTRAINT_PRIMARYKEY:
        case SQLITE_CONSTRAINT_UNIQUE:
          return Error::already_exists(std::string("the row already exists (") + e.what() +
                                       "); nothing was written");
        case SQLITE_CONSTRAINT_FOREIGNKEY:
          return Error::not_found(std::string("a referenced row does not exist (") + e.what() +
                                  "); nothing was written");
        default:
          return Error::invalid_field(std::string("the database refused the values (") + e.what() +
                                      "); nothing was written");
      }
    }
  };
}

}  // namespace

// --- teams -----------------------------------------------------------------------------------

void DirectoryStore::create_team(Team team, std::function<void(Result<Team>)> done) {
  auto invalid = check_directory_id(team.id, "team id", "/id");
  if (!invalid) invalid = check_directory_text(team.name, "team name", "/name", true);
  if (invalid) {
    done(*invalid);
    return;
  }
  // The work may run twice (a batch SQLite aborted is retried write by write): it only reads
  // what it captured.
  auto work = [team = std::move(team)](WriteContext& context) -> Result<Team> {
    if (load_team(context, team.id)) {
      return Error::already_exists("team '" + team.id + "' already exists; choose another id",
                                   "/id");
    }
    auto insert = context.statement("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)");
    insert->bind(1, team.id).bind(2, team.name).bind(3, to_millis(team.created_at));
    insert->run();
    return team;
  };
  store_.write<Team>(guarded<Team>(std::move(work)), std::move(done));
}

Result<std::optional<Team>> DirectoryStore::get_team(const std::string& id) const {
  return store_.read<std::optional<Team>>(
      [&](ReadContext& context) { return load_team(context, id); });
}

Result<std::vector<Team>> DirectoryStore::list_teams(const std::string& after_id,
                                                     size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<Team>>([&](ReadContext& context) {
    auto select = context.statement(std::string("SELECT ") + kTeamColumns +
                                    " FROM teams WHERE id > ? ORDER BY id LIMIT ?");
    select->bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<Team> teams;
    while (select->step()) teams.push_back(read_team(*select));
    return teams;
  });
}

namespace {

// A calendar id as the workflows name one: [a-z][a-z0-9_]{0,63}; "" = none.
std::optional<Error> check_calendar_id(const std::string& calendar) {
  if (calendar.empty() || is_valid_name(calendar)) return std::nullopt;
  return Error::invalid_field("calendar '" + shown_in_message(calendar) +
                                  "' is not a calendar id; use the id of a business calendar "
                                  "the workflows define ([a-z][a-z0-9_]*), or \"\" for none",
                              "/calendar", problem_params("invalid_id"));
}

}  // namespace

void DirectoryStore::update_team(std::string id, TeamPatch patch,
                                 std::function<void(Result<Team>)> done) {
  auto invalid = check_directory_id(id, "team id", "/id");
  if (!invalid && patch.name)
    invalid = check_directory_text(*patch.name, "team name", "/name", true);
  if (!invalid && patch.calendar) invalid = check_calendar_id(*patch.calendar);
  if (invalid) {
    done(*invalid);
    return;
  }
  auto work = [id = std::move(id),
               patch = std::move(patch)](WriteContext& context) -> Result<Team> {
    auto found = load_team(context, id);
    if (!found) return Error::not_found("team '" + id + "' does not exist", "/id");
    Team team = std::move(*found);
    if (patch.name) team.name = *patch.name;
    if (patch.calendar) team.calendar = *patch.calendar;
    auto update = context.statement("UPDATE teams SET name = ?, calendar = ? WHERE id = ?");
    update->bind(1, team.name).bind_or_null(2, team.calendar).bind(3, team.id);
    update->run();
    return team;
  };
  store_.write<Team>(guarded<Team>(std::move(work)), std::move(done));
}

// --- users -----------------------------------------------------------------------------------

namespace {

// Skill names: [a-z][a-z0-9_]{0,63}, at most kMaxUserSkills, none twice.
std::optional<Error> check_skills(const std::vector<std::string>& skills) {
  if (skills.size() > kMaxUserSkills) {
    return Error::invalid_field("a user has at most " + std::to_string(kMaxUserSkills) +
                                    " skills, not " + std::to_string(skills.size()),
                                "/skills",
                                problem_params("too_many_items", {{"maximum", kMaxUserSkills}}));
  }
  for (size_t i = 0; i < skills.size(); ++i) {
    const auto pointer = "/skills/" + std::to_string(i);
    if (!is_valid_name(skills[i])) {
      return Error::invalid_field("skill '" + shown_in_message(skills[i]) +
                                      "' is not a skill name; use [a-z][a-z0-9_]*, as the "
                                      "assignment policy's category_skills do",
                                  pointer, problem_params("invalid_name"));
    }
    if (std::find(skills.begin(), skills.begin() + static_cast<std::ptrdiff_t>(i), skills[i]) !=
        skills.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Error::invalid_field("skill '" + skills[i] + "' is listed twice", pointer,
                                  problem_params("repeated"));
    }
  }
  return std::nullopt;
}

std::vector<std::string> sorted_skills(std::vector<std::string> skills) {
  std::sort(skills.begin(), skills.end());
  return skills;
}

std::optional<Error> check_user_fields(const std::optional<std::string>& display_name,
                                       const std::optional<Role>& role,
                                       const std::optional<std::string>& team_id) {
  if (display_name) {
    if (auto e = check_directory_text(*display_name, "display name", "/display_name", true))
      return e;
  }
  if (role) {
    if (auto e = check_role(*role, "/role")) return e;
  }
  if (team_id && !team_id->empty()) {
    if (auto e = check_directory_id(*team_id, "team id", "/team_id")) return e;
  }
  return std::nullopt;
}

}  // namespace

void DirectoryStore::create_user(User user, std::function<void(Result<User>)> done) {
  auto invalid = check_directory_id(user.id, "user id", "/id");
  if (!invalid) invalid = check_user_fields(user.display_name, user.role, user.team_id);
  if (!invalid) invalid = check_skills(user.skills);
  if (invalid) {
    done(*invalid);
    return;
  }
  auto work = [user = std::move(user)](WriteContext& context) -> Result<User> {
    if (load_user(context, user.id)) {
      return Error::already_exists("user '" + user.id + "' already exists; choose another id",
                                   "/id");
    }
    if (!user.team_id.empty() && !load_team(context, user.team_id)) {
      return team_not_found(user.team_id);
    }
    User stored = user;
    stored.availability = Availability::kOnShift;
    stored.availability_since.reset();
    stored.availability_by.clear();
    stored.skills = sorted_skills(user.skills);
    auto insert = context.statement(
        "INSERT INTO users (id, display_name, role, team_id, active, created_at, skills) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert->bind(1, stored.id)
        .bind(2, stored.display_name)
        .bind(3, role_name(stored.role))
        .bind_or_null(4, stored.team_id)
        .bind(5, stored.active ? 1 : 0)
        .bind(6, to_millis(stored.created_at))
        .bind(7, skills_text(stored.skills));
    insert->run();
    return stored;
  };
  store_.write<User>(guarded<User>(std::move(work)), std::move(done));
}

Result<std::optional<User>> DirectoryStore::get_user(const std::string& id) const {
  return store_.read<std::optional<User>>(
      [&](ReadContext& context) { return load_user(context, id); });
}

Result<std::vector<User>> DirectoryStore::list_users(const std::string& team_id,
                                                     const std::string& after_id,
                                                     size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<User>>([&](ReadContext& context) {
    // Two statements rather than "(? = '' OR team_id = ?)", which would keep SQLite from using
    // users_by_team.
    const std::string sql = std::string("SELECT ") + kUserColumns + " FROM users AS u WHERE " +
                            (team_id.empty() ? "u.id > ?1" : "u.team_id = ?3 AND u.id > ?1") +
                            " ORDER BY u.id LIMIT ?2";
    auto select = context.statement(sql);
    select->bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
    if (!team_id.empty()) select->bind(3, team_id);
    std::vector<User> users;
    while (select->step()) users.push_back(read_user(*select));
    return users;
  });
}

namespace {

// Whether a usable admin credential remains once `user_id`'s admin rights and the token
// `token_id` are gone (either may be empty: nothing excluded).
bool admin_remains_without(WriteContext& context, const std::string& user_id,
                           const std::string& token_id, Instant now) {
  auto select = context.statement(
      "SELECT EXISTS (SELECT 1 FROM api_tokens AS t LEFT JOIN users AS u ON u.id = t.user_id "
      "WHERE t.role = ?1 AND t.revoked_at IS NULL "
      "AND (t.expires_at IS NULL OR t.expires_at > ?2) AND t.id <> ?4 "
      "AND (t.user_id IS NULL OR (u.active = 1 AND u.role = ?1 AND u.id <> ?3)))");
  select->bind(1, role_name(Role::kAdmin))
      .bind(2, to_millis(now))
      .bind(3, user_id)
      .bind(4, token_id);
  return select->step() && select->column_int(0) != 0;
}

}  // namespace

void DirectoryStore::update_user(std::string id, UserPatch patch, Instant now,
                                 std::function<void(Result<User>)> done) {
  auto invalid = check_directory_id(id, "user id", "/id");
  if (!invalid) invalid = check_user_fields(patch.display_name, patch.role, patch.team_id);
  if (!invalid && patch.skills) invalid = check_skills(*patch.skills);
  if (invalid) {
    done(*invalid);
    return;
  }
  auto work = [id = std::move(id), patch = std::move(patch),
               now](WriteContext& context) -> Result<User> {
    auto found = load_user(context, id);
    if (!found) return Error::not_found("user '" + id + "' does not exist", "/id");
    User user = std::move(*found);
    const Role old_role = user.role;
    const bool was_active = user.active;
    const bool was_admin = user.active && user.role == Role::kAdmin;
    if (patch.display_name) user.display_name = *patch.display_name;
    if (patch.role) user.role = *patch.role;
    if (patch.active) user.active = *patch.active;
    // Only a change that takes away the last usable credential is refused (a database with none
    // left is mended with `redress init --new-admin-token`, not blocked further).
    if (was_admin && (!user.active || user.role != Role::kAdmin) &&
        admin_remains_without(context, "", "", now) &&
        !admin_remains_without(context, user.id, "", now)) {
      return Error(ErrorCode::kLastAdmin,
                   "user '" + user.id +
                       "' holds the last usable admin token; create another admin (or an admin "
                       "token) before demoting or deactivating this one",
                   user.active ? "/role" : "/active");
    }
    if (patch.team_id) {
      if (!patch.team_id->empty() && !load_team(context, *patch.team_id)) {
        return team_not_found(*patch.team_id);
      }
      user.team_id = *patch.team_id;
    }
    if (patch.skills) user.skills = sorted_skills(*patch.skills);
    auto update = context.statement(
        "UPDATE users SET display_name = ?, role = ?, team_id = ?, active = ?, skills = ? "
        "WHERE id = ?");
    update->bind(1, user.display_name)
        .bind(2, role_name(user.role))
        .bind_or_null(3, user.team_id)
        .bind(4, user.active ? 1 : 0)
        .bind(5, skills_text(user.skills))
        .bind(6, user.id);
    update->run();
    if (user.role != old_role) {
      // A user's tokens carry the user's role (create_token insists on it); keep it so.
      auto tokens = context.statement("UPDATE api_tokens SET role = ? WHERE user_id = ?");
      tokens->bind(1, role_name(user.role)).bind(2, user.id);
      tokens->run();
    }
    if (user.role != old_role || (was_active && !user.active)) {
      // A console session was opened for the rights the user had then: it ends, and the person
      // signs in again (a reactivation must not revive it either).
      auto sessions = context.statement(
          "UPDATE sessions SET revoked_at = ?1 WHERE revoked_at IS NULL AND token_id IN "
          "(SELECT id FROM api_tokens WHERE user_id = ?2)");
      sessions->bind(1, to_millis(now)).bind(2, user.id);
      sessions->run();
    }
    return user;
  };
  store_.write<User>(guarded<User>(std::move(work)), std::move(done));
}

void DirectoryStore::set_availability(std::string user_id, Availability availability,
                                      std::string changed_by, Instant now,
                                      std::function<void(Result<User>)> done) {
  if (auto invalid = check_directory_id(user_id, "user id", "/id")) {
    done(*invalid);
    return;
  }
  auto work = [user_id = std::move(user_id), availability, changed_by = std::move(changed_by),
               now](WriteContext& context) -> Result<User> {
    auto found = load_user(context, user_id);
    if (!found) return Error::not_found("user '" + user_id + "' does not exist", "/id");
    User user = std::move(*found);
    if (user.availability == availability && user.availability_since) return user;
    user.availability = availability;
    user.availability_since = now;
    user.availability_by = changed_by;
    auto update = context.statement(
        "UPDATE users SET availability = ?, availability_since = ?, availability_by = ? "
        "WHERE id = ?");
    update->bind(1, availability_name(availability))
        .bind(2, to_millis(now))
        .bind(3, changed_by)
        .bind(4, user.id);
    update->run();
    auto record = context.statement(
        "INSERT INTO user_availability_changes (user_id, availability, changed_by, at) "
        "VALUES (?, ?, ?, ?)");
    record->bind(1, user.id)
        .bind(2, availability_name(availability))
        .bind(3, changed_by)
        .bind(4, to_millis(now));
    record->run();
    return user;
  };
  store_.write<User>(guarded<User>(std::move(work)), std::move(done));
}

Result<std::vector<AvailabilityChange>> DirectoryStore::list_availability_changes(
    const std::string& user_id, size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<AvailabilityChange>>([&](ReadContext& context) {
    auto select = context.statement(
        "SELECT user_id, availability, changed_by, at FROM user_availability_changes "
        "WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?");
    select->bind(1, user_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<AvailabilityChange> changes;
    while (select->step()) {
      changes.push_back({select->column_text(0),
                         stored_availability(select->column_text(1), user_id),
                         select->column_text(2), from_millis(select->column_int(3))});
    }
    return changes;
  });
}

// --- tokens ----------------------------------------------------------------------------------

void DirectoryStore::create_token(NewToken token, Instant now,
                                  std::function<void(Result<ApiToken>)> done) {
  auto invalid = check_directory_id(token.id, "token id", "/id");
  if (!invalid) invalid = check_hash(token.hash);
  if (!invalid && !token.user_id.empty())
    invalid = check_directory_id(token.user_id, "user id", "/user_id");
  if (!invalid) invalid = check_role(token.role, "/role");
  if (!invalid) invalid = check_directory_text(token.label, "token label", "/label", false);
  if (!invalid && token.expires_at && *token.expires_at <= now) {
    invalid = Error::invalid_field(
        "expiry " + format_rfc3339(*token.expires_at) +
            " is not in the future; give a later time, or none for a token that "
            "does not expire",
        "/expires_at");
  }
  if (invalid) {
    done(*invalid);
    return;
  }
  auto work = [token = std::move(token), now](WriteContext& context) -> Result<ApiToken> {
    if (load_token(context, token.id)) {
      return Error::already_exists("token '" + token.id + "' already exists; choose another id",
                                   "/id");
    }
    if (token_hash_taken(context, token.hash)) {
      // Two secrets with one SHA-256 do not happen by chance: the same secret was issued twice.
      return Error::already_exists("another token already has this hash; generate a new secret",
                                   "/hash");
    }
    if (!token.user_id.empty()) {
      auto user = load_user(context, token.user_id);
      if (!user) {
        return Error::not_found(
            "user '" + token.user_id +
                "' does not exist; create the user first, or leave user_id empty for a "
                "token not tied to a person",
            "/user_id");
      }
      if (!user->active) {
        return Error::invalid_field(
            "user '" + token.user_id +
                "' is deactivated and could not use a token; reactivate the user first",
            "/user_id");
      }
      if (user->role != token.role) {
        return Error::invalid_field(
            std::string("role '") + role_name(token.role) + "' differs from user '" + user->id +
                "''s role '" + role_name(user->role) + "'; a user's token carries the user's role",
            "/role");
      }
    }
    auto insert = context.statement(
        "INSERT INTO api_tokens (id, token_hash, user_id, role, label, created_at, expires_at, "
        "scopes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert->bind(1, token.id)
        .bind_blob(2, token.hash.data(), static_cast<int>(token.hash.size()))
        .bind_or_null(3, token.user_id)
        .bind(4, role_name(token.role))
        .bind(5, token.label)
        .bind(6, to_millis(now))
        .bind_or_null(7, optional_millis(token.expires_at))
        .bind(8, token.scopes);
    insert->run();
    ApiToken stored;
    stored.id = token.id;
    stored.user_id = token.user_id;
    stored.role = token.role;
    stored.label = token.label;
    stored.created_at = now;
    stored.expires_at = token.expires_at;
    stored.scopes = token.scopes;
    return stored;
  };
  store_.write<ApiToken>(guarded<ApiToken>(std::move(work)), std::move(done));
}

Result<std::optional<ApiToken>> DirectoryStore::get_token(const std::string& id) const {
  return store_.read<std::optional<ApiToken>>(
      [&](ReadContext& context) { return load_token(context, id); });
}

Result<std::vector<ApiToken>> DirectoryStore::list_tokens(const std::string& user_id,
                                                          bool include_revoked,
                                                          const std::string& after_id,
                                                          size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<ApiToken>>([&](ReadContext& context) {
    // Composed from fixed fragments only (four texts in all); every value is bound.
    const std::string sql =
        std::string("SELECT ") + kTokenColumns + " FROM api_tokens AS t WHERE t.id > ?1" +
        (user_id.empty() ? "" : " AND t.user_id = ?3") +
        (include_revoked ? "" : " AND t.revoked_at IS NULL") + " ORDER BY t.id LIMIT ?2";
    auto select = context.statement(sql);
    select->bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
    if (!user_id.empty()) select->bind(3, user_id);
    std::vector<ApiToken> tokens;
    while (select->step()) tokens.push_back(read_token(*select));
    return tokens;
  });
}

void DirectoryStore::revoke_token(std::string id, Instant now,
                                  std::function<void(Result<ApiToken>)> done) {
  if (auto invalid = check_directory_id(id, "token id", "/id")) {
    done(*invalid);
    return;
  }
  auto work = [id = std::move(id), now](WriteContext& context) -> Result<ApiToken> {
    auto token = load_token(context, id);
    if (!token) return Error::not_found("token '" + id + "' does not exist", "/id");
    if (!token->revoked_at && token->role == Role::kAdmin &&
        admin_remains_without(context, "", "", now) &&
        !admin_remains_without(context, "", id, now)) {
      return Error(
          ErrorCode::kLastAdmin,
          "token '" + id + "' is the last usable admin token; create another before revoking it",
          "/id");
    }
    if (!token->revoked_at) {
      auto update = context.statement(
          "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
      update->bind(1, to_millis(now)).bind(2, id);
      update->run();
      token->revoked_at = now;
    }
    return std::move(*token);
  };
  store_.write<ApiToken>(guarded<ApiToken>(std::move(work)), std::move(done));
}

Result<std::optional<TokenGrant>> DirectoryStore::find_token(
    const std::vector<unsigned char>& hash) const {
  if (auto invalid = check_hash(hash)) return *invalid;
  return store_.read<std::optional<TokenGrant>>(
      [&](ReadContext& context) -> std::optional<TokenGrant> {
        auto select =
            context.statement(std::string("SELECT ") + kTokenColumns + ", " + kUserColumns +
                              " FROM api_tokens AS t LEFT JOIN users AS u "
                              "ON u.id = t.user_id WHERE t.token_hash = ?");
        select->bind_blob(1, hash.data(), static_cast<int>(hash.size()));
        if (!select->step()) return std::nullopt;
        TokenGrant grant;
        grant.token = read_token(*select);
        if (!select->column_is_null(kTokenColumnCount)) {
          grant.user = read_user(*select, kTokenColumnCount);
        }
        return grant;
      });
}

namespace {

// The write behind touch_tokens and touch_sessions: `table` is one of two fixed names.
void touch_rows(CaseStore& store, const char* table,
                std::vector<std::pair<std::string, Instant>> used,
                std::function<void(Result<size_t>)> done) {
  // One update per row, with its latest use: a batch may hold several uses of one credential.
  std::map<std::string, Instant> latest;
  for (auto& [id, at] : used) {
    auto [slot, inserted] = latest.emplace(std::move(id), at);
    if (!inserted) slot->second = std::max(slot->second, at);
  }
  if (latest.empty()) {
    done(size_t{0});
    return;
  }
  const std::string sql = std::string("UPDATE ") + table +
                          " SET last_used_at = ?1 "
                          "WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1)";
  auto work = [latest = std::move(latest), sql](WriteContext& context) -> Result<size_t> {
    size_t changed = 0;
    for (const auto& [id, at] : latest) {
      auto update = context.statement(sql);
      update->bind(1, to_millis(at)).bind(2, id);
      update->run();
      changed += static_cast<size_t>(context.db().changes());
    }
    return changed;
  };
  store.write<size_t>(guarded<size_t>(std::move(work)), std::move(done));
}

}  // namespace

void DirectoryStore::touch_tokens(std::vector<std::pair<std::string, Instant>> used,
                                  std::function<void(Result<size_t>)> done) {
  touch_rows(store_, "api_tokens", std::move(used), std::move(done));
}

Result<bool> DirectoryStore::has_active_admin_token(Instant now) const {
  return store_.read<bool>([&](ReadContext& context) {
    auto select = context.statement(
        "SELECT EXISTS (SELECT 1 FROM api_tokens AS t LEFT JOIN users AS u ON u.id = t.user_id "
        "WHERE t.role = ?1 AND t.revoked_at IS NULL "
        "AND (t.expires_at IS NULL OR t.expires_at > ?2) "
        "AND (t.user_id IS NULL OR (u.active = 1 AND u.role = ?1)))");
    select->bind(1, role_name(Role::kAdmin)).bind(2, to_millis(now));
    return select->step() && select->column_int(0) != 0;
  });
}

// --- sessions --------------------------------------------------------------------------------

namespace {

constexpr const char* kSessionColumns =
    "s.id, s.token_id, s.created_at, s.expires_at, s.max_expires_at, s.revoked_at, "
    "s.last_used_at";
constexpr int kSessionColumnCount = 7;

Session read_session(const Statement& row) {
  Session session;
  session.id = row.column_text(0);
  session.token_id = row.column_text(1);
  session.created_at = from_millis(row.column_int(2));
  session.expires_at = from_millis(row.column_int(3));
  session.max_expires_at = from_millis(row.column_int(4));
  session.revoked_at = column_optional_instant(row, 5);
  session.last_used_at = column_optional_instant(row, 6);
  return session;
}

template <typename Context>
std::optional<Session> load_session(Context& context, const std::string& id) {
  auto select = context.statement(std::string("SELECT ") + kSessionColumns +
                                  " FROM sessions AS s WHERE s.id = ?");
  select->bind(1, id);
  if (!select->step()) return std::nullopt;
  return read_session(*select);
}

bool session_hash_taken(WriteContext& context, const std::vector<unsigned char>& hash) {
  auto select = context.statement(
      "SELECT 1 FROM sessions WHERE token_hash = ?1 UNION ALL "
      "SELECT 1 FROM api_tokens WHERE token_hash = ?1");
  select->bind_blob(1, hash.data(), static_cast<int>(hash.size()));
  return select->step();
}

// Why a session cannot be used or refreshed at `now`; nullopt when it can.
std::optional<std::string> session_ended(const Session& session, Instant now) {
  if (session.revoked_at) {
    return "session '" + session.id + "' was revoked at " + format_rfc3339(*session.revoked_at);
  }
  if (session.expires_at <= now) {
    return "session '" + session.id + "' expired at " + format_rfc3339(session.expires_at);
  }
  return std::nullopt;
}

}  // namespace

void DirectoryStore::create_session(NewSession session, Instant now,
                                    std::function<void(Result<Session>)> done) {
  auto invalid = check_directory_id(session.id, "session id", "/id");
  if (!invalid) invalid = check_hash(session.hash);
  if (!invalid) invalid = check_directory_id(session.token_id, "token id", "/token_id");
  if (!invalid && (session.expires_at <= now || session.expires_at > session.max_expires_at)) {
    invalid = Error::invalid_field("session expiry " + format_rfc3339(session.expires_at) +
                                       " must be after now (" + format_rfc3339(now) +
                                       ") and not after its absolute end " +
                                       format_rfc3339(session.max_expires_at),
                                   "/expires_at");
  }
  if (invalid) {
    done(*invalid);
    return;
  }
  auto work = [session = std::move(session), now](WriteContext& context) -> Result<Session> {
    if (load_session(context, session.id)) {
      return Error::already_exists("session '" + session.id + "' already exists", "/id");
    }
    if (session_hash_taken(context, session.hash)) {
      return Error::already_exists(
          "another session or token already has this hash; generate a new secret", "/hash");
    }
    auto parent = load_token(context, session.token_id);
    if (!parent) {
      return Error::not_found("token '" + session.token_id + "' does not exist", "/token_id");
    }
    if (parent->revoked_at || (parent->expires_at && *parent->expires_at <= now)) {
      return Error::invalid_state("token '" + parent->id +
                                  "' is revoked or expired; it cannot open a session");
    }
    if (!parent->user_id.empty()) {
      auto user = load_user(context, parent->user_id);
      if (!user || !user->active) {
        return Error::invalid_state("the user of token '" + parent->id +
                                    "' is deactivated; it cannot open a session");
      }
    }
    if (parent->expires_at && session.max_expires_at > *parent->expires_at) {
      return Error::invalid_field("a session may not outlive its token, which expires at " +
                                      format_rfc3339(*parent->expires_at),
                                  "/expires_at");
    }
    auto insert = context.statement(
        "INSERT INTO sessions (id, token_hash, token_id, created_at, expires_at, max_expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    insert->bind(1, session.id)
        .bind_blob(2, session.hash.data(), static_cast<int>(session.hash.size()))
        .bind(3, session.token_id)
        .bind(4, to_millis(now))
        .bind(5, to_millis(session.expires_at))
        .bind(6, to_millis(session.max_expires_at));
    insert->run();
    Session stored;
    stored.id = session.id;
    stored.token_id = session.token_id;
    stored.created_at = now;
    stored.expires_at = session.expires_at;
    stored.max_expires_at = session.max_expires_at;
    return stored;
  };
  store_.write<Session>(guarded<Session>(std::move(work)), std::move(done));
}

Result<std::optional<SessionGrant>> DirectoryStore::find_session(
    const std::vector<unsigned char>& hash) const {
  if (auto invalid = check_hash(hash)) return *invalid;
  return store_.read<std::optional<SessionGrant>>(
      [&](ReadContext& context) -> std::optional<SessionGrant> {
        // The session's columns first, then the parent token's and its user's, so that the
        // token's and user's readers take their columns from an offset.
        auto select = context.statement(
            std::string("SELECT ") + kSessionColumns + ", " + kTokenColumns + ", " + kUserColumns +
            " FROM sessions AS s JOIN api_tokens AS t ON t.id = s.token_id "
            "LEFT JOIN users AS u ON u.id = t.user_id WHERE s.token_hash = ?");
        select->bind_blob(1, hash.data(), static_cast<int>(hash.size()));
        if (!select->step()) return std::nullopt;
        SessionGrant grant;
        grant.session = read_session(*select);
        grant.parent.token = read_token(*select, kSessionColumnCount);
        const int user_first = kSessionColumnCount + kTokenColumnCount;
        if (!select->column_is_null(user_first)) {
          grant.parent.user = read_user(*select, user_first);
        }
        return grant;
      });
}

Result<std::optional<Session>> DirectoryStore::get_session(const std::string& id) const {
  return store_.read<std::optional<Session>>(
      [&](ReadContext& context) { return load_session(context, id); });
}

void DirectoryStore::refresh_session(std::string id, Instant now, Millis ttl,
                                     std::function<void(Result<Session>)> done) {
  if (auto invalid = check_directory_id(id, "session id", "/id")) {
    done(*invalid);
    return;
  }
  auto work = [id = std::move(id), now, ttl](WriteContext& context) -> Result<Session> {
    auto session = load_session(context, id);
    if (!session) return Error::not_found("session '" + id + "' does not exist", "/id");
    if (auto ended = session_ended(*session, now)) {
      return Error::invalid_state(*ended + "; sign in again for a new session");
    }
    session->expires_at = std::min(now + ttl, session->max_expires_at);
    auto update = context.statement("UPDATE sessions SET expires_at = ? WHERE id = ?");
    update->bind(1, to_millis(session->expires_at)).bind(2, id);
    update->run();
    return std::move(*session);
  };
  store_.write<Session>(guarded<Session>(std::move(work)), std::move(done));
}

void DirectoryStore::revoke_session(std::string id, Instant now,
                                    std::function<void(Result<Session>)> done) {
  if (auto invalid = check_directory_id(id, "session id", "/id")) {
    done(*invalid);
    return;
  }
  auto work = [id = std::move(id), now](WriteContext& context) -> Result<Session> {
    auto session = load_session(context, id);
    if (!session) return Error::not_found("session '" + id + "' does not exist", "/id");
    if (!session->revoked_at) {
      auto update = context.statement(
          "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
      update->bind(1, to_millis(now)).bind(2, id);
      update->run();
      session->revoked_at = now;
    }
    return std::move(*session);
  };
  store_.write<Session>(guarded<Session>(std::move(work)), std::move(done));
}

void DirectoryStore::touch_sessions(std::vector<std::pair<std::string, Instant>> used,
                                    std::function<void(Result<size_t>)> done) {
  touch_rows(store_, "sessions", std::move(used), std::move(done));
}

void DirectoryStore::purge_expired_sessions(Instant before, size_t limit,
                                            std::function<void(Result<size_t>)> done) {
  if (auto checked = check_listing_limit(limit); !checked.ok()) {
    done(checked.error());
    return;
  }
  auto work = [before, limit](WriteContext& context) -> Result<size_t> {
    // WITHOUT ROWID: rows are named by id; sessions_by_expiry finds the oldest without a scan.
    auto remove = context.statement(
        "DELETE FROM sessions WHERE id IN ("
        "SELECT id FROM sessions WHERE expires_at < ? ORDER BY expires_at LIMIT ?)");
    remove->bind(1, to_millis(before)).bind(2, static_cast<std::int64_t>(limit));
    remove->run();
    return static_cast<size_t>(context.db().changes());
  };
  store_.write<size_t>(guarded<size_t>(std::move(work)), std::move(done));
}

}  // namespace redress::storage
