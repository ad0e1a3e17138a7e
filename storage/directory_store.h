// DirectoryStore: the people, teams and API tokens Redress knows, kept in the case database.
//
// Authentication asks it one question per request — "whose token has this hash?" (find_token) —
// and administration manages the rows behind the answer: teams, users (with their role and
// team), and bearer tokens. A token is stored only as the SHA-256 hash of its secret; the secret
// is shown to its owner once and never reaches storage, logs or errors.
//
// Writes go through the CaseStore's single writer (group commit, one savepoint each) and answer
// through `done`, called exactly once: on the writer thread after the commit is durable, or at
// once on the calling thread when the input is invalid (nothing is queued) or the store refuses
// the write (queue full, shutting down). `done` must not block: hand the result to your own
// executor. Reads run on the store's read-only connections and return directly; they never wait
// for the writer and see only committed state.
//
// Input is validated here, at the storage boundary, with INVALID_FIELD errors whose `pointer`
// names the field (e.g. "/id", "/team_id"): ids are 1..128 characters of [A-Za-z0-9._@-]; names,
// display names and labels are valid UTF-8 of at most 200 bytes (names and display names must
// not be empty). Other error codes: ALREADY_EXISTS (an id, or a token hash, is taken), NOT_FOUND
// (the row, or a team or user it refers to, does not exist) and the storage errors of
// case_store.h. A listing's limit must be 1..kMaxListingRows (listing_limit.h: a page and one
// more row), else INVALID_ARGUMENT; listings are ordered by id and continue after `after_id`
// (keyset pagination: stable while rows are added).
//
// Nothing but an expired session is ever deleted: a user leaves by being deactivated, a token by
// being revoked, so that the journal's actor ids keep meaning someone.
//
// Thread-safety: every method may be called from any thread. DirectoryStore holds only a
// reference to the CaseStore, which must outlive it and every write it queued.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/assignment_policy.h"
#include "engine/result.h"
#include "engine/role.h"
#include "engine/time.h"
#include "storage/case_store.h"

namespace redress::storage {

struct Team {
  std::string id;
  std::string name;
  Instant created_at{};
  // The id of a business calendar the workflows define (workflows/calendars.json): when the
  // team works. "" = no calendar: the team's agents are always inside working hours. Storage
  // checks the id's form only; the API checks that the loaded catalog has it.
  std::string calendar;
};

// Changes to a team; fields left empty keep their value.
struct TeamPatch {
  std::optional<std::string> name;
  std::optional<std::string> calendar;  // "" = none
};

inline constexpr size_t kMaxUserSkills = 32;

// One change of a user's availability: who set it and when (the user themself, or a lead).
struct AvailabilityChange {
  std::string user_id;
  Availability availability = Availability::kOnShift;
  std::string changed_by;  // the acting user's (or token's) id
  Instant at{};
};

struct User {
  std::string id;
  std::string display_name;
  Role role = Role::kAgent;  // any role but kSystem (Redress itself is nobody's account)
  std::string team_id;       // empty: in no team
  bool active = true;        // inactive users keep their rows; their tokens stop working
  Instant created_at{};
  // Whether the user takes new cases now (engine/assignment_policy.h); on shift until set.
  Availability availability = Availability::kOnShift;
  std::optional<Instant> availability_since;  // none: never set
  std::string availability_by;                // who set it last; "" when never set
  // Category skill names ([a-z][a-z0-9_]{0,63}, at most kMaxUserSkills, no repeats), sorted.
  std::vector<std::string> skills;
};

// Changes to a user; fields left empty keep their value.
struct UserPatch {
  std::optional<std::string> display_name;
  std::optional<Role> role;  // also moves the user's tokens to the new role (see update_user)
  std::optional<std::string> team_id;  // "" = no team
  std::optional<bool> active;
  std::optional<std::vector<std::string>> skills;  // replaces the list
};

struct ApiToken {
  std::string id;
  std::string user_id;  // empty for tokens not tied to a user (another system's token)
  Role role = Role::kAgent;
  std::string label;
  Instant created_at{};
  std::optional<Instant> expires_at;    // none: never expires
  std::optional<Instant> revoked_at;    // set once, by the first revoke
  std::optional<Instant> last_used_at;  // as batched by touch_tokens; may lag behind use
  // An integration token's scopes, space-separated (api/http/token_scopes.h checks the names);
  // "" for a person's token.
  std::string scopes;
};

inline constexpr size_t kTokenHashBytes = 32;  // SHA-256

struct NewToken {
  std::string id;
  // Exactly 32 bytes: the SHA-256 of the secret. The secret itself never reaches storage.
  std::vector<unsigned char> hash;
  std::string user_id;  // empty: not tied to a user
  Role role = Role::kAgent;
  std::string label;
  std::optional<Instant> expires_at;
  std::string scopes;  // as ApiToken::scopes
};

// What authentication needs for one presented token.
struct TokenGrant {
  ApiToken token;
  std::optional<User> user;  // the token's user, if any
};

// A console sign-in session: a short-lived secret exchanged for an API token (its parent). It
// acts with the parent's user and role; it ends when it expires, is revoked, or its parent stops
// working (revoked, expired, its user deactivated).
struct Session {
  std::string id;        // "S-" + hex
  std::string token_id;  // the parent API token
  Instant created_at{};
  Instant expires_at{};      // idle expiry: a refresh moves it, never past max_expires_at
  Instant max_expires_at{};  // the absolute end
  std::optional<Instant> revoked_at;
  std::optional<Instant> last_used_at;  // as batched by touch_sessions; may lag behind use
};

struct NewSession {
  std::string id;
  std::vector<unsigned char> hash;  // exactly 32 bytes: the SHA-256 of the session's secret
  std::string token_id;             // the parent token
  Instant expires_at{};             // in (now, max_expires_at]
  Instant max_expires_at{};         // not past the parent token's expiry
};

// What authentication needs for one presented session secret: the session and its parent.
struct SessionGrant {
  Session session;
  TokenGrant parent;
};

class DirectoryStore {
 public:
  explicit DirectoryStore(CaseStore& store) : store_(store) {}
  DirectoryStore(const DirectoryStore&) = delete;
  DirectoryStore& operator=(const DirectoryStore&) = delete;

  // --- teams ---------------------------------------------------------------------------------
  // ALREADY_EXISTS when the id is taken. Answers the team as stored.
  void create_team(Team team, std::function<void(Result<Team>)> done);
  Result<std::optional<Team>> get_team(const std::string& id) const;
  // Teams with id > after_id ("" = from the start), by id.
  Result<std::vector<Team>> list_teams(const std::string& after_id, size_t limit) const;
  // NOT_FOUND "/id"; INVALID_FIELD "/name", "/calendar" (not [a-z][a-z0-9_]{0,63}).
  void update_team(std::string id, TeamPatch patch, std::function<void(Result<Team>)> done);

  // --- users ---------------------------------------------------------------------------------
  // ALREADY_EXISTS when the id is taken; NOT_FOUND "/team_id" when the team does not exist;
  // INVALID_FIELD "/role" for kSystem.
  void create_user(User user, std::function<void(Result<User>)> done);
  Result<std::optional<User>> get_user(const std::string& id) const;
  // Users with id > after_id, by id; `team_id` non-empty: only that team's members.
  Result<std::vector<User>> list_users(const std::string& team_id, const std::string& after_id,
                                       size_t limit) const;
  // Applies `patch` with the same checks as create_user; NOT_FOUND "/id" when there is no such
  // user. Changing the role also changes the role of the user's tokens, in the same write: a
  // token acts with its user's authority, and a demoted user must not keep the old one through a
  // token issued earlier.
  // Changing the role or deactivating the user also revokes the user's console sessions, in
  // the same write: a session was opened for the rights the user had then.
  // Refused with LAST_ADMIN when demoting or deactivating an admin would leave no usable admin
  // credential (an unrevoked, unexpired admin token of an active admin or of no user): nobody
  // could then manage users and tokens over the API.
  void update_user(std::string id, UserPatch patch, Instant now,
                   std::function<void(Result<User>)> done);
  // Sets the user's availability and records the change (who, when) in the same write. Setting
  // the availability the user already has changes nothing and records nothing (a retried PUT).
  // NOT_FOUND "/id". Who may set whose availability is the API's decision.
  void set_availability(std::string user_id, Availability availability, std::string changed_by,
                        Instant now, std::function<void(Result<User>)> done);
  // The user's availability changes, newest first, at most `limit` (1..kMaxListingRows).
  Result<std::vector<AvailabilityChange>> list_availability_changes(const std::string& user_id,
                                                                    size_t limit) const;

  // --- tokens --------------------------------------------------------------------------------
  // ALREADY_EXISTS "/id" when the id is taken ("/hash" when the hash is); INVALID_FIELD "/hash"
  // unless the hash is 32 bytes; NOT_FOUND "/user_id" when a named user does not exist;
  // INVALID_FIELD "/role" when a named user has another role, or for kSystem.
  void create_token(NewToken token, Instant now, std::function<void(Result<ApiToken>)> done);
  Result<std::optional<ApiToken>> get_token(const std::string& id) const;
  // Tokens with id > after_id, by id; `user_id` non-empty: only that user's tokens.
  Result<std::vector<ApiToken>> list_tokens(const std::string& user_id, bool include_revoked,
                                            const std::string& after_id, size_t limit) const;
  // NOT_FOUND "/id" when there is no such token. Revoking a revoked token succeeds and keeps
  // the first revoked_at (a retried revoke must not rewrite history).
  // Refused with LAST_ADMIN when it is the last usable admin credential (see update_user).
  void revoke_token(std::string id, Instant now, std::function<void(Result<ApiToken>)> done);
  // The token with this hash and its user, whatever its state: revoked and expired tokens are
  // returned too so that the caller can say why it refuses one. nullopt when no token has this
  // hash. INVALID_FIELD "/hash" unless the hash is 32 bytes.
  Result<std::optional<TokenGrant>> find_token(const std::vector<unsigned char>& hash) const;
  // Records when tokens were last used, in ONE write for the whole batch: the server gathers
  // last-used times in memory and flushes them periodically instead of writing per request.
  // last_used_at only moves forward (an old, delayed batch cannot move it back); unknown ids are
  // ignored. Answers how many tokens changed.
  void touch_tokens(std::vector<std::pair<std::string, Instant>> used,
                    std::function<void(Result<size_t>)> done);
  // Whether some admin token would be accepted at `now`: not revoked, not expired, and either
  // tied to no user or to an active admin user. `redress init` asks this to know whether the
  // first admin token still has to be made.
  Result<bool> has_active_admin_token(Instant now) const;

  // --- sessions ------------------------------------------------------------------------------
  // Sessions are not tokens for listings: list_tokens never shows them.
  // ALREADY_EXISTS "/id" or "/hash"; INVALID_FIELD "/hash" unless 32 bytes; NOT_FOUND
  // "/token_id" when the parent does not exist; INVALID_STATE when the parent is revoked or
  // expired at `now`, or its user is deactivated (a revocation that committed after the request
  // was authenticated wins); INVALID_FIELD "/expires_at" unless now < expires_at <=
  // max_expires_at and max_expires_at is not past the parent's expiry.
  void create_session(NewSession session, Instant now, std::function<void(Result<Session>)> done);
  // The session with this hash, its parent token and the parent's user, whatever their state
  // (the caller says why it refuses one). nullopt when no session has this hash.
  Result<std::optional<SessionGrant>> find_session(const std::vector<unsigned char>& hash) const;
  Result<std::optional<Session>> get_session(const std::string& id) const;
  // Moves expires_at to min(now + ttl, max_expires_at). NOT_FOUND "/id"; INVALID_STATE when the
  // session is revoked or expired at `now` (an ended session is not revived).
  void refresh_session(std::string id, Instant now, Millis ttl,
                       std::function<void(Result<Session>)> done);
  // NOT_FOUND "/id". Revoking a revoked session succeeds and keeps the first revoked_at.
  void revoke_session(std::string id, Instant now, std::function<void(Result<Session>)> done);
  // touch_tokens for sessions: one write, last_used_at only moves forward, unknown ids ignored.
  void touch_sessions(std::vector<std::pair<std::string, Instant>> used,
                      std::function<void(Result<size_t>)> done);
  // Deletes up to `limit` sessions that expired before `before`, oldest first, in one write, and
  // answers how many. (A session is the only row here that is deleted: nothing refers to it, and
  // the journal names people by their user id.)
  void purge_expired_sessions(Instant before, size_t limit,
                              std::function<void(Result<size_t>)> done);

 private:
  CaseStore& store_;
};

}  // namespace redress::storage
