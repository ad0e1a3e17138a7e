#include "storage/schema.h"

#include "storage/case_rows.h"
#include "storage/case_search.h"

namespace redress::storage {
namespace {

// 'RDRS': marks a file as a Redress database so that pointing --db at some other SQLite file is
// refused instead of silently migrated.
constexpr std::int64_t kApplicationId = 0x52445253;

// Version 1: everything issue 3 names. Later versions append; a shipped migration never changes.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE workflow_definitions (
  workflow_id   TEXT    NOT NULL,
  version       INTEGER NOT NULL,
  definition    TEXT    NOT NULL,            -- the JSON document as loaded
  installed_at  INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, version)
) WITHOUT ROWID;

CREATE TABLE id_sequences (
  name        TEXT    PRIMARY KEY,
  next_value  INTEGER NOT NULL
) WITHOUT ROWID;

-- The current snapshot of each case (a cache of its journal) plus the columns queues filter on.
CREATE TABLE cases (
  id                TEXT    NOT NULL UNIQUE,
  workflow_id       TEXT    NOT NULL,
  workflow_version  INTEGER NOT NULL,        -- pinned at creation
  version           INTEGER NOT NULL,        -- the ETag; +1 per accepted command
  state             TEXT    NOT NULL,
  stage             TEXT    NOT NULL,
  severity          TEXT    NOT NULL,
  priority          TEXT    NOT NULL,
  category          TEXT    NOT NULL,
  escalation_level  TEXT    NOT NULL,
  assignee          TEXT,                    -- NULL: waiting in the team queue
  team              TEXT,
  queue_role        TEXT    NOT NULL,
  customer_id       TEXT,
  order_id          TEXT,
  sla_due           INTEGER NOT NULL,        -- earliest running SLA deadline; max int64 if none
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  closed_at         INTEGER,
  snapshot          TEXT    NOT NULL         -- canonical JSON (engine/case_snapshot.h)
);
CREATE INDEX cases_open_by_assignee ON cases (assignee, sla_due, id) WHERE closed_at IS NULL;
CREATE INDEX cases_open_by_team     ON cases (team, sla_due, id) WHERE closed_at IS NULL;
CREATE INDEX cases_queue_unassigned ON cases (team, sla_due, id)
  WHERE closed_at IS NULL AND assignee IS NULL;
CREATE INDEX cases_by_customer      ON cases (customer_id, created_at);
CREATE INDEX cases_by_state         ON cases (state, category, updated_at);
CREATE INDEX cases_by_category      ON cases (category, created_at);
CREATE INDEX cases_open_escalated   ON cases (escalation_level, sla_due)
  WHERE closed_at IS NULL AND escalation_level <> 'agent';

-- The journal: append-only, per-case sequence plus the global sequence (seq).
CREATE TABLE case_events (
  seq           INTEGER PRIMARY KEY,
  case_id       TEXT    NOT NULL,
  case_seq      INTEGER NOT NULL,
  case_version  INTEGER NOT NULL,
  type          TEXT    NOT NULL,
  at            INTEGER NOT NULL,
  actor_id      TEXT    NOT NULL,
  actor_role    TEXT    NOT NULL,
  data          TEXT    NOT NULL,
  UNIQUE (case_id, case_seq)
);
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
  BEGIN SELECT RAISE(ABORT, 'the case journal is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
  BEGIN SELECT RAISE(ABORT, 'the case journal is append-only'); END;

-- Pending timers, mirroring each case snapshot's `timers`. A row is consumed in the same
-- transaction as the effects of firing it.
CREATE TABLE timers (
  case_id     TEXT    NOT NULL,
  timer_key   TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  kind        TEXT    NOT NULL,              -- sla, promise, timer, ... (the key's prefix)
  due_at      INTEGER NOT NULL,              -- the deadline, as the case holds it
  fire_at     INTEGER NOT NULL,              -- when to try: due_at, later after failed attempts
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  payload     TEXT    NOT NULL DEFAULT '{}',
  set_at      INTEGER NOT NULL,
  PRIMARY KEY (case_id, timer_key)
) WITHOUT ROWID;
CREATE INDEX timers_by_fire_at ON timers (fire_at, case_id, timer_key);

-- Transactional outbox of webhook events; the sender (issue 4) fans them out to subscriptions.
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY,
  webhook_id   TEXT    NOT NULL UNIQUE,        -- stable across retries
  event_type   TEXT    NOT NULL,
  case_id      TEXT,
  journal_seq  INTEGER,                        -- last journal entry of the emitting decision
  payload      TEXT    NOT NULL,               -- {"type","timestamp","data"} exactly as sent
  created_at   INTEGER NOT NULL
);

CREATE TABLE compensations (
  case_id          TEXT    NOT NULL,
  compensation_id  TEXT    NOT NULL,
  customer_id      TEXT,
  type             TEXT    NOT NULL,
  amount           INTEGER NOT NULL,           -- minor units
  currency         TEXT    NOT NULL,
  status           TEXT    NOT NULL,           -- pending, approved, rejected, executed
  proposed_by      TEXT    NOT NULL,
  required_role    TEXT,
  approval_id      TEXT,
  decided_by       TEXT,
  reference        TEXT,
  proposed_at      INTEGER NOT NULL,
  decided_at       INTEGER,
  executed_at      INTEGER,
  PRIMARY KEY (case_id, compensation_id)
) WITHOUT ROWID;
CREATE INDEX compensations_granted_by_customer ON compensations (customer_id, decided_at)
  WHERE status IN ('approved', 'executed');
CREATE INDEX compensations_by_status ON compensations (status, proposed_at);

CREATE TABLE approvals (
  case_id        TEXT    NOT NULL,
  approval_id    TEXT    NOT NULL,
  kind           TEXT    NOT NULL,             -- compensation, transition
  subject        TEXT    NOT NULL,
  required_role  TEXT    NOT NULL,
  requested_by   TEXT    NOT NULL,
  team           TEXT,
  status         TEXT    NOT NULL,             -- pending, approved, rejected
  requested_at   INTEGER NOT NULL,
  decided_at     INTEGER,
  decided_by     TEXT,
  PRIMARY KEY (case_id, approval_id)
) WITHOUT ROWID;
CREATE INDEX approvals_pending ON approvals (required_role, requested_at, case_id)
  WHERE status = 'pending';

CREATE TABLE customers (
  id            TEXT    PRIMARY KEY,
  display_name  TEXT    NOT NULL DEFAULT '',
  segment       TEXT    NOT NULL DEFAULT '',   -- RFM segment
  tier          TEXT    NOT NULL DEFAULT '',   -- membership level
  tags          TEXT    NOT NULL DEFAULT '[]',
  contacts      TEXT    NOT NULL DEFAULT '{}',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE orders (
  id               TEXT    NOT NULL UNIQUE,
  customer_id      TEXT,
  paid_amount      INTEGER NOT NULL,
  currency         TEXT    NOT NULL,
  refunded_amount  INTEGER NOT NULL DEFAULT 0,
  placed_at        INTEGER,
  details          TEXT    NOT NULL DEFAULT '{}',
  updated_at       INTEGER NOT NULL
);
CREATE INDEX orders_by_customer ON orders (customer_id, placed_at);

CREATE TABLE teams (
  id          TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
  id            TEXT    PRIMARY KEY,
  display_name  TEXT    NOT NULL,
  role          TEXT    NOT NULL,
  team_id       TEXT    REFERENCES teams (id),
  active        INTEGER NOT NULL DEFAULT 1,
  created_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX users_by_team ON users (team_id);

-- Bearer tokens: only a SHA-256 hash is kept; the token itself is shown once and never stored.
CREATE TABLE api_tokens (
  id            TEXT    PRIMARY KEY,
  token_hash    BLOB    NOT NULL UNIQUE,
  user_id       TEXT    REFERENCES users (id),
  role          TEXT    NOT NULL,
  label         TEXT    NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER,
  revoked_at    INTEGER,
  last_used_at  INTEGER
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  actor_id             TEXT    NOT NULL,
  idempotency_key      TEXT    NOT NULL,
  request_fingerprint  TEXT    NOT NULL,       -- hash of method, path and body
  state                TEXT    NOT NULL,       -- in_progress, completed
  response_status      INTEGER,
  response_headers     TEXT,
  response_body        BLOB,
  created_at           INTEGER NOT NULL,
  expires_at           INTEGER NOT NULL,
  PRIMARY KEY (actor_id, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

-- Webhook secrets are kept in clear because signing needs them (HMAC); tokens are not.
CREATE TABLE webhook_subscriptions (
  id                          TEXT    PRIMARY KEY,
  url                         TEXT    NOT NULL,
  event_types                 TEXT    NOT NULL,   -- JSON array; ["*"] for every type
  secret                      TEXT    NOT NULL,
  previous_secret             TEXT,                -- still signed with during rotation
  previous_secret_expires_at  INTEGER,
  enabled                     INTEGER NOT NULL DEFAULT 1,
  disabled_reason             TEXT,
  created_at                  INTEGER NOT NULL,
  updated_at                  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE webhook_deliveries (
  id               INTEGER PRIMARY KEY,
  subscription_id  TEXT    NOT NULL REFERENCES webhook_subscriptions (id),
  outbox_id        INTEGER NOT NULL REFERENCES outbox (id),
  status           TEXT    NOT NULL,          -- pending, succeeded, dead
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,
  last_status_code INTEGER,
  last_latency_ms  INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  UNIQUE (subscription_id, outbox_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id);

CREATE TABLE webhook_attempts (
  delivery_id  INTEGER NOT NULL REFERENCES webhook_deliveries (id),
  attempt      INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  status_code  INTEGER,
  latency_ms   INTEGER,
  error        TEXT,
  PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;
)sql";

// Version 2: full-text search over what people wrote on a case, and webhook redelivery rounds.
// case_text holds one row per text-bearing journal entry (the case's opening fields, field
// updates, comments, customer messages, replies) and is append-only like the journal, so a
// transition that writes no text costs nothing here. The trigram tokenizer matches substrings in
// any script: shoppers write Chinese without spaces between words.
constexpr const char* kMigration2 = R"sql(
CREATE VIRTUAL TABLE case_text USING fts5(
  case_id UNINDEXED, source UNINDEXED, body, tokenize = 'trigram case_sensitive 0');

INSERT INTO case_text (case_id, source, body)
  SELECT case_id, type,
         CASE type
           WHEN 'case.created' THEN
             trim(coalesce(json_extract(data, '$.id'), '') || ' ' ||
                  coalesce(json_extract(data, '$.customer.id'), '') || ' ' ||
                  coalesce(json_extract(data, '$.order.id'), '') || ' ' ||
                  coalesce((SELECT group_concat(f.value, ' ') FROM json_each(data, '$.fields') AS f
                             WHERE f.type = 'text'), ''))
           WHEN 'case.fields_set' THEN
             (SELECT group_concat(f.value, ' ') FROM json_each(data, '$.fields') AS f
               WHERE f.type = 'text')
           ELSE json_extract(data, '$.text')
         END
    FROM case_events
   WHERE type IN ('case.created', 'case.fields_set', 'comment.added', 'message.received',
                  'reply.sent')
   ORDER BY seq;

-- Attempts in the current delivery round: a redelivery by hand starts a new round (the retry
-- schedule starts over) while `attempts` keeps counting every attempt ever made.
ALTER TABLE webhook_deliveries ADD COLUMN round_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_subscriptions ADD COLUMN description TEXT NOT NULL DEFAULT '';
)sql";

// Version 3: webhook retention. Settled deliveries (succeeded or dead) are purged by age, and an
// outbox row once nothing refers to it; /metrics counts the dead ones on every scrape. Each of
// these walks a small index instead of the whole delivery table.
constexpr const char* kMigration3 = R"sql(
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (updated_at, id)
  WHERE status <> 'pending';
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (id) WHERE status = 'dead';
CREATE INDEX webhook_deliveries_by_outbox ON webhook_deliveries (outbox_id);
)sql";

// Version 4: what the console's queue rows and team workload read from stored columns rather
// than from 10,000 snapshots: the summary text, the warn instant of the clock that gives
// sla_due, and whether a running clock has warned or breached (rows::CaseColumns). The writer
// keeps them with the other columns; backfill_queue_columns fills them for existing cases. The
// workload counts one team's open cases per assignee from the covering index alone.
constexpr const char* kMigration4 = R"sql(
ALTER TABLE cases ADD COLUMN summary TEXT;
ALTER TABLE cases ADD COLUMN sla_warn_at INTEGER;
ALTER TABLE cases ADD COLUMN sla_warned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN sla_breached INTEGER NOT NULL DEFAULT 0;
-- closed_at is NULL in every entry; it is listed so that SQLite (3.40) counts the index as
-- covering a query whose WHERE names it, and reads no table row.
CREATE INDEX cases_open_workload ON cases (team, assignee, sla_breached, sla_warned, closed_at)
  WHERE closed_at IS NULL;
)sql";

// Fills migration 4's columns of every case from its snapshot with rows::case_columns, the
// writer's own derivation, so that `redress verify` finds them as the writer would have written
// them. In pages of rowids, so memory stays bounded on a large database.
void backfill_queue_columns(SqliteDb& db) {
  Statement page(db,
                 "SELECT rowid, id, snapshot FROM cases WHERE rowid > ? ORDER BY rowid LIMIT 500");
  Statement update(db,
                   "UPDATE cases SET summary = ?2, sla_warn_at = ?3, sla_warned = ?4, "
                   "sla_breached = ?5 WHERE rowid = ?1");
  struct Derived {
    std::int64_t rowid;
    rows::CaseColumns columns;
  };
  std::int64_t after = 0;
  for (;;) {
    std::vector<Derived> derived;
    page.bind(1, after);
    while (page.step()) {
      const auto snapshot = rows::parse_snapshot(page.column_text(2), page.column_text(1));
      derived.push_back({page.column_int(0), rows::case_columns(snapshot)});
    }
    page.reset();
    if (derived.empty()) return;
    for (const auto& [rowid, c] : derived) {
      update.bind(1, rowid)
          .bind_or_null(2, c.summary)
          .bind_or_null(3, c.sla_warn_at)
          .bind(4, c.sla_warned)
          .bind(5, c.sla_breached);
      update.run();
    }
    after = derived.back().rowid;
  }
}

// Version 5: console sign-in sessions. A session is a short-lived secret exchanged for an API
// token (its parent): it acts with the parent's user and role, so revoking the parent (or
// deactivating its user) ends it too. Only the SHA-256 of its secret is kept, as for tokens.
// `expires_at` is the idle expiry a refresh moves forward, never past `max_expires_at` (the
// absolute end, itself never past the parent's own expiry). Ended sessions are purged by expiry.
constexpr const char* kMigration5 = R"sql(
CREATE TABLE sessions (
  id              TEXT    PRIMARY KEY,
  token_hash      BLOB    NOT NULL UNIQUE,
  token_id        TEXT    NOT NULL REFERENCES api_tokens (id),
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  max_expires_at  INTEGER NOT NULL,
  revoked_at      INTEGER,
  last_used_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX sessions_by_token ON sessions (token_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
)sql";

// Version 6: full-text search that finds 1- and 2-character words, which Chinese is full of
// (退款, 破损, 发错): the trigram index matched nothing shorter than 3 characters. case_terms
// replaces case_text: a standard unicode61 table holding each text with its CJK runs written as
// bigrams and unigrams (storage/case_search.h), so no custom tokenizer has to be registered on
// each connection and the sqlite3 shell still reads it. rebuild_case_terms fills it from the
// journal.
constexpr const char* kMigration6 = R"sql(
DROP TABLE case_text;
CREATE VIRTUAL TABLE case_terms USING fts5(
  case_id UNINDEXED, source UNINDEXED, terms, tokenize = 'unicode61 remove_diacritics 2');
)sql";

// One case_terms row per text-bearing journal entry, derived by rows::searchable_text and
// case_search_terms exactly as the writer derives it. In pages of journal sequence numbers, so
// memory stays bounded on a large database.
void rebuild_case_terms(SqliteDb& db) {
  Statement page(db, std::string("SELECT ") + rows::kEventColumns +
                         " FROM case_events WHERE seq > ? AND type IN ('case.created', "
                         "'case.fields_set', 'comment.added', 'message.received', 'reply.sent') "
                         "ORDER BY seq LIMIT 1000");
  Statement insert(db, kInsertCaseTermsSql);
  std::int64_t after = 0;
  for (;;) {
    std::vector<StoredEvent> events;
    page.bind(1, after);
    while (page.step()) events.push_back(rows::event_from_row(page));
    page.reset();
    if (events.empty()) return;
    for (const auto& stored : events) {
      const auto text = rows::searchable_text(stored.event);
      if (!text) continue;
      insert.bind(1, stored.case_id).bind(2, stored.event.type).bind(3, case_search_terms(*text));
      insert.run();
    }
    after = events.back().seq;
  }
}

// Version 7: customers and orders as records (issue 15). The customers table is rebuilt with a
// rowid so that customer_terms (the full-text index of customer names) shares it: erasing a
// customer deletes one index row by rowid instead of scanning. Contacts and addresses live only
// here, never in the journal, so that an erasure anonymises the person and leaves every case's
// history intact. Merged customers keep their row with merged_into set (always the surviving
// customer, never a chain): reads by customer follow it. Records are backfilled from the cases'
// snapshots, so cases opened with inline customer and order objects have records too.
// compensations.order_id lets the refund cap count every case of an order.
constexpr const char* kMigration7 = R"sql(
CREATE TABLE customer_records (
  id           TEXT    NOT NULL UNIQUE,
  name         TEXT    NOT NULL DEFAULT '',
  contacts     TEXT    NOT NULL DEFAULT '{}',  -- {"phone","email","chat_id"}: personal data
  addresses    TEXT    NOT NULL DEFAULT '[]',  -- personal data
  tags         TEXT    NOT NULL DEFAULT '[]',
  level        TEXT    NOT NULL DEFAULT '',    -- membership level (a case's customer tier)
  segment      TEXT    NOT NULL DEFAULT '',    -- RFM segment
  rfm          TEXT    NOT NULL DEFAULT '{}',  -- the last RFM assessment
  merged_into  TEXT,
  erased_at    INTEGER,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
INSERT INTO customer_records (id, name, contacts, tags, level, segment, created_at, updated_at)
  SELECT id, display_name, contacts, tags, tier, segment, created_at, updated_at FROM customers;
DROP TABLE customers;
ALTER TABLE customer_records RENAME TO customers;
INSERT OR IGNORE INTO customers (id, level, segment, created_at, updated_at)
  SELECT customer_id, coalesce(json_extract(snapshot, '$.customer.tier'), ''),
         coalesce(json_extract(snapshot, '$.customer.segment'), ''), min(created_at),
         max(updated_at)
  FROM cases WHERE customer_id IS NOT NULL AND customer_id <> '' GROUP BY customer_id;
CREATE INDEX customers_by_phone ON customers (json_extract(contacts, '$.phone'))
  WHERE json_extract(contacts, '$.phone') IS NOT NULL;
CREATE INDEX customers_by_email ON customers (json_extract(contacts, '$.email'))
  WHERE json_extract(contacts, '$.email') IS NOT NULL;
CREATE INDEX customers_by_chat_id ON customers (json_extract(contacts, '$.chat_id'))
  WHERE json_extract(contacts, '$.chat_id') IS NOT NULL;
CREATE INDEX customers_merged ON customers (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX customers_by_level ON customers (level, id);
CREATE INDEX customers_by_segment ON customers (segment, id);
-- rowid = customers.rowid; terms as case_search_terms writes them (CJK bigrams and unigrams).
CREATE VIRTUAL TABLE customer_terms USING fts5(
  terms, tokenize = 'unicode61 remove_diacritics 2');

-- Every change of a customer's membership level: by an order or the daily assessment (only
-- ever up), by an import or an integration's inline record (only ever up), or by a person
-- (either way, with a reason).
CREATE TABLE customer_level_changes (
  id           INTEGER PRIMARY KEY,
  customer_id  TEXT    NOT NULL,
  from_level   TEXT    NOT NULL,
  to_level     TEXT    NOT NULL,
  source       TEXT    NOT NULL,   -- order, assessment, import, manual, merge
  actor_id     TEXT    NOT NULL,
  reason       TEXT    NOT NULL DEFAULT '',
  at           INTEGER NOT NULL
);
CREATE INDEX customer_level_changes_by_customer ON customer_level_changes (customer_id, at);

-- Who saw a customer's contact details, and when (personal data access log).
CREATE TABLE customer_contact_views (
  id           INTEGER PRIMARY KEY,
  customer_id  TEXT    NOT NULL,
  viewer_id    TEXT    NOT NULL,
  viewer_role  TEXT    NOT NULL,
  case_id      TEXT,               -- the case the view was for, when one was named
  at           INTEGER NOT NULL
);
CREATE INDEX customer_contact_views_by_customer ON customer_contact_views (customer_id, at);

ALTER TABLE orders ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN created_at INTEGER;
INSERT OR IGNORE INTO orders (id, customer_id, paid_amount, currency, refunded_amount, updated_at,
                              created_at)
  SELECT order_id, customer_id, coalesce(json_extract(snapshot, '$.order.paid.amount'), 0),
         coalesce(json_extract(snapshot, '$.order.paid.currency'), ''),
         coalesce(json_extract(snapshot, '$.order.refunded.amount'), 0), max(updated_at),
         min(created_at)
  FROM cases WHERE order_id IS NOT NULL AND order_id <> '' GROUP BY order_id;

ALTER TABLE compensations ADD COLUMN order_id TEXT;
UPDATE compensations SET order_id = (SELECT order_id FROM cases WHERE cases.id = compensations.case_id);
CREATE INDEX compensations_by_order ON compensations (order_id, status) WHERE order_id IS NOT NULL;
CREATE INDEX compensations_by_proposed_at ON compensations (proposed_at);
CREATE INDEX cases_by_order ON cases (order_id, workflow_id) WHERE order_id IS NOT NULL;

-- Links between cases (duplicate of, related to, follow-up of), shown on both cases. A new
-- complaint about an order with an open case of the same workflow must be linked to it.
CREATE TABLE case_links (
  id              INTEGER PRIMARY KEY,
  case_id         TEXT    NOT NULL,   -- the case the link was made from
  linked_case_id  TEXT    NOT NULL,
  kind            TEXT    NOT NULL,   -- duplicate_of, related_to, follow_up_of
  reason          TEXT    NOT NULL,
  created_by      TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (case_id, linked_case_id, kind)
);
CREATE INDEX case_links_by_linked_case ON case_links (linked_case_id);
)sql";

// Version 8: integration tokens carry scopes. Tokens made before scopes existed could do
// everything their role allowed: they keep exactly that, every scope there was at version 8.
constexpr const char* kMigration8 = R"sql(
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
UPDATE api_tokens SET scopes = 'cases:read cases:write compensations:read compensations:write '
  || 'compensations:execute customers:read customers:contacts customers:write orders:read '
  || 'orders:write imports:read webhooks:manage directory:read workflows:read metrics:read'
  WHERE role = 'integration';
)sql";

// Version 9: evidence attached to cases. The content lives outside the database, in immutable files
// named by their SHA-256 (storage/attachment_store.h); a row names its file and its thumbnail's,
// and files no row names are collected.
constexpr const char* kMigration9 = R"sql(
CREATE TABLE attachments (
  id                TEXT    PRIMARY KEY,
  case_id           TEXT    NOT NULL,
  sha256            TEXT    NOT NULL,   -- lowercase hex of the content
  file_name         TEXT    NOT NULL,   -- as the uploader named it, sanitised
  content_type      TEXT    NOT NULL,   -- detected from the content's magic bytes
  size              INTEGER NOT NULL,   -- bytes
  uploaded_by       TEXT    NOT NULL,
  uploaded_at       INTEGER NOT NULL,
  width             INTEGER,            -- images only, in pixels
  height            INTEGER,
  thumbnail_sha256  TEXT,               -- a small JPEG made at upload; NULL for documents
  thumbnail_size    INTEGER,
  UNIQUE (case_id, sha256)
);
CREATE INDEX attachments_by_case ON attachments (case_id, uploaded_at);
CREATE INDEX attachments_by_sha256 ON attachments (sha256);
CREATE INDEX attachments_by_thumbnail ON attachments (thumbnail_sha256)
  WHERE thumbnail_sha256 IS NOT NULL;
)sql";

// Version 10: what automatic assignment reads. A team names the business calendar of its working
// hours (an id the workflows define; NULL: always working); a user is on shift or away, since
// when and set by whom, with every change logged; and has category skills (a JSON array of
// names, sorted).
constexpr const char* kMigration10 = R"sql(
ALTER TABLE teams ADD COLUMN calendar TEXT;
ALTER TABLE users ADD COLUMN availability TEXT NOT NULL DEFAULT 'on_shift';
ALTER TABLE users ADD COLUMN availability_since INTEGER;
ALTER TABLE users ADD COLUMN availability_by TEXT;
ALTER TABLE users ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';

CREATE TABLE user_availability_changes (
  id            INTEGER PRIMARY KEY,
  user_id       TEXT    NOT NULL,
  availability  TEXT    NOT NULL,   -- on_shift, away
  changed_by    TEXT    NOT NULL,   -- the user themself, or a lead / supervisor / admin
  at            INTEGER NOT NULL
);
CREATE INDEX user_availability_changes_by_user ON user_availability_changes (user_id, at);
)sql";

// Version 11: bulk imports of customers and orders (JSON Lines): the jobs, their rejected lines,
// and the ids a running job has written so far (an id repeated in one file is a bad line). A job
// advances its offset in the same transaction as each batch of lines it applies, so a job resumed
// after a crash starts exactly after the last committed batch.
constexpr const char* kMigration11 = R"sql(
CREATE TABLE import_jobs (
  id           TEXT    PRIMARY KEY,
  kind         TEXT    NOT NULL,            -- customers, orders
  state        TEXT    NOT NULL,            -- queued, running, done, failed
  spool_path   TEXT    NOT NULL,            -- the uploaded file, kept until the job ends
  sha256       TEXT    NOT NULL,            -- of the uploaded file, hex
  bytes        INTEGER NOT NULL,
  created_by   TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  started_at   INTEGER,
  finished_at  INTEGER,
  applied_bytes INTEGER NOT NULL DEFAULT 0, -- bytes of the file applied
  lines        INTEGER NOT NULL DEFAULT 0,  -- lines applied (the last line number reached)
  created      INTEGER NOT NULL DEFAULT 0,
  updated      INTEGER NOT NULL DEFAULT 0,
  unchanged    INTEGER NOT NULL DEFAULT 0,
  rejected     INTEGER NOT NULL DEFAULT 0,
  failure      TEXT    NOT NULL DEFAULT ''  -- why a failed job stopped
);
CREATE INDEX import_jobs_by_created ON import_jobs (created_at, id);
CREATE INDEX import_jobs_unfinished ON import_jobs (created_at, id)
  WHERE state IN ('queued', 'running');

-- Every problem of every rejected line (at most a few per line), in file order.
CREATE TABLE import_line_errors (
  id         INTEGER PRIMARY KEY,
  job_id     TEXT    NOT NULL,
  line       INTEGER NOT NULL,
  record_id  TEXT    NOT NULL DEFAULT '',  -- the line's id, when it could be read
  pointer    TEXT    NOT NULL,
  reason     TEXT    NOT NULL,             -- a stable code: malformed_json, invalid_utf8, ...
  detail     TEXT    NOT NULL
);
CREATE INDEX import_line_errors_by_job ON import_line_errors (job_id, id);

-- The ids a job has taken so far and the line of each; dropped when the job ends.
CREATE TABLE import_job_records (
  job_id     TEXT    NOT NULL,
  record_id  TEXT    NOT NULL,
  line       INTEGER NOT NULL,
  PRIMARY KEY (job_id, record_id)
) WITHOUT ROWID;

-- The customers whose orders a job wrote, by rowid: their levels and RFM are reassessed in one
-- walk in rowid order once the whole file is applied (each customer once, however many of their
-- orders the file holds; neighbouring rows in one write), and dropped as the walk goes.
CREATE TABLE import_job_customers (
  job_id          TEXT    NOT NULL,
  customer_rowid  INTEGER NOT NULL,
  PRIMARY KEY (job_id, customer_rowid)
) WITHOUT ROWID;
)sql";

// Version 12: promises to customers across cases (storage/promise_register.h). One row per
// promise, written with each case command from the snapshot (rows::bind_promise_row), with the
// case's team and assignee so that the reader's scope and the team and assignee filters read the
// row alone. Each index ends in the listing's order (due, case, promise), so a filtered page is
// read in order with no sort.
constexpr const char* kMigration12 = R"sql(
CREATE TABLE promises (
  case_id      TEXT    NOT NULL,
  promise_id   TEXT    NOT NULL,
  status       TEXT    NOT NULL,   -- open, kept, breached
  due_at       INTEGER NOT NULL,
  text         TEXT    NOT NULL,
  made_by      TEXT    NOT NULL,
  made_at      INTEGER NOT NULL,
  kept_at      INTEGER,
  breached_at  INTEGER,
  team         TEXT,               -- the case's, NULL when it has none
  assignee     TEXT,               -- the case's, NULL when unassigned
  PRIMARY KEY (case_id, promise_id)
);
CREATE INDEX promises_by_due ON promises (due_at, case_id, promise_id);
CREATE INDEX promises_by_status ON promises (status, due_at, case_id, promise_id);
CREATE INDEX promises_by_team ON promises (team, due_at, case_id, promise_id);
CREATE INDEX promises_by_assignee ON promises (assignee, due_at, case_id, promise_id);
CREATE INDEX promises_by_maker ON promises (made_by, due_at, case_id, promise_id);
)sql";

// Before version 12 a snapshot's promises had no made_at, kept_at or breached_at; replaying the
// journal gives them (apply_event sets them from the events' times). So each case with promises
// has its snapshot's promises replaced by the replayed ones -- which `redress verify` then finds
// equal to a replay -- and its promise rows written from them as the writer would. A case whose
// journal does not replay keeps its snapshot, and its rows are written from it as it is (verify
// reports the case). In pages of rowids, so memory stays bounded on a large database.
void backfill_promises(SqliteDb& db) {
  Statement page(db,
                 "SELECT rowid, id, snapshot FROM cases WHERE rowid > ? AND "
                 "json_array_length(snapshot, '$.promises') > 0 ORDER BY rowid LIMIT 200");
  Statement update(db, "UPDATE cases SET snapshot = ?2 WHERE rowid = ?1");
  Statement insert(db, rows::kUpsertPromiseSql);
  StatementCache journal_statements(db);
  std::int64_t after = 0;
  for (;;) {
    std::vector<std::pair<std::int64_t, CaseSnapshot>> cases;
    page.bind(1, after);
    while (page.step()) {
      cases.emplace_back(page.column_int(0),
                         rows::parse_snapshot(page.column_text(2), page.column_text(1)));
    }
    page.reset();
    if (cases.empty()) return;
    for (auto& [rowid, snapshot] : cases) {
      std::vector<Event> events;
      for (auto& stored : rows::load_journal(journal_statements, snapshot.id)) {
        events.push_back(std::move(stored.event));
      }
      if (auto replayed = replay(events);
          replayed.ok() && replayed.value().promises.size() == snapshot.promises.size()) {
        snapshot.promises = replayed.value().promises;
        update.bind(1, rowid).bind(2, snapshot_to_json(snapshot).dump());
        update.run();
      }
      for (const auto& promise : snapshot.promises) {
        rows::bind_promise_row(insert, snapshot, promise);
        insert.run();
      }
    }
    after = cases.back().first;
  }
}

// Version 13: parcel events reported by carriers (storage/carrier_events.h). Not journal entries:
// a parcel moving is not a change to a case. A carrier's event id is unique per carrier, so a
// repeated report is recorded once; reads go by order or tracking number in event-time order.
constexpr const char* kMigration13 = R"sql(
CREATE TABLE carrier_events (
  id                INTEGER PRIMARY KEY,      -- arrival order
  carrier           TEXT    NOT NULL,
  carrier_event_id  TEXT    NOT NULL,
  tracking_number   TEXT    NOT NULL,
  order_id          TEXT,                     -- NULL: the carrier named only the parcel
  kind              TEXT    NOT NULL,         -- picked_up, in_transit, delivered, exception, returned
  event_at          INTEGER NOT NULL,         -- the carrier's time of the event
  received_at       INTEGER NOT NULL,         -- when Redress recorded it
  location          TEXT    NOT NULL DEFAULT '',
  description       TEXT    NOT NULL DEFAULT '',
  UNIQUE (carrier, carrier_event_id)
);
CREATE INDEX carrier_events_by_tracking ON carrier_events (tracking_number, event_at, id);
CREATE INDEX carrier_events_by_order ON carrier_events (order_id, event_at, id)
  WHERE order_id IS NOT NULL;
-- Snapshots say whom the case waits on now (waiting_on). Journals written before name no one,
-- so their replay gives "": the stored snapshots say the same, and verify finds them equal.
UPDATE cases SET snapshot = json_set(snapshot, '$.waiting_on', '')
  WHERE json_type(snapshot, '$.waiting_on') IS NULL;
)sql";

// Version 14: the worklist order and the follow-up facts of each case, as columns the writer keeps
// from the snapshot (rows::CaseColumns): next_due (the earliest of the running SLA dues, open
// promises and the follow-up due; sla_due keeps its meaning), the follow-up due while the case is
// in follow-up (the follow-up worklist), when it first reached follow-up, whether an attempt
// reached the customer and the last CSAT (the coverage report groups these by team and assignee
// without reading snapshots).
constexpr const char* kMigration14 = R"sql(
ALTER TABLE cases ADD COLUMN next_due INTEGER NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE cases ADD COLUMN follow_up_due INTEGER;
ALTER TABLE cases ADD COLUMN follow_up_started_at INTEGER;
ALTER TABLE cases ADD COLUMN follow_up_completed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN follow_up_csat INTEGER;
-- Not partial: a closed case's next_due is the largest value (no dues), so closed cases sort
-- last and the open ones are read first; a partial index on closed_at IS NULL would be taken by
-- the planner for other open-case listings (the escalated queue) in place of their own.
CREATE INDEX cases_by_next_due ON cases (next_due, id);
CREATE INDEX cases_open_by_assignee_next_due ON cases (assignee, next_due, id)
  WHERE closed_at IS NULL;
CREATE INDEX cases_follow_up_due ON cases (assignee, follow_up_due)
  WHERE follow_up_due IS NOT NULL;
CREATE INDEX cases_follow_up_started ON cases (follow_up_started_at, team, assignee)
  WHERE follow_up_started_at IS NOT NULL;
)sql";

// Fills migration 14's columns from each case's snapshot with rows::case_columns. A snapshot
// written before version 14 that has reached follow-up lacks follow_up_started_at, which a
// replay of its journal gives (apply_event sets it from the first follow_up.scheduled): such a
// snapshot takes it from the replay, so that `redress verify` finds it equal to a replay, and a
// case whose journal does not replay keeps its snapshot (verify reports the case). In pages of
// rowids, so memory stays bounded on a large database.
void backfill_follow_up_columns(SqliteDb& db) {
  Statement page(db,
                 "SELECT rowid, id, snapshot FROM cases WHERE rowid > ? ORDER BY rowid LIMIT 200");
  Statement update(db,
                   "UPDATE cases SET snapshot = ?2, next_due = ?3, follow_up_due = ?4, "
                   "follow_up_started_at = ?5, follow_up_completed = ?6, follow_up_csat = ?7 "
                   "WHERE rowid = ?1");
  StatementCache journal_statements(db);
  std::int64_t after = 0;
  for (;;) {
    std::vector<std::pair<std::int64_t, CaseSnapshot>> cases;
    page.bind(1, after);
    while (page.step()) {
      cases.emplace_back(page.column_int(0),
                         rows::parse_snapshot(page.column_text(2), page.column_text(1)));
    }
    page.reset();
    if (cases.empty()) return;
    for (auto& [rowid, snapshot] : cases) {
      if (snapshot.follow_up_due && !snapshot.follow_up_started_at) {
        std::vector<Event> events;
        for (auto& stored : rows::load_journal(journal_statements, snapshot.id)) {
          events.push_back(std::move(stored.event));
        }
        if (auto replayed = replay(events); replayed.ok()) {
          snapshot.follow_up_started_at = replayed.value().follow_up_started_at;
        }
      }
      const auto c = rows::case_columns(snapshot);
      update.bind(1, rowid)
          .bind(2, snapshot_to_json(snapshot).dump())
          .bind(3, c.next_due)
          .bind_or_null(4, c.follow_up_due)
          .bind_or_null(5, c.follow_up_started_at)
          .bind(6, c.follow_up_completed)
          .bind_or_null(7, c.follow_up_csat);
      update.run();
    }
    after = cases.back().first;
  }
}

// Version 15: how many times each case was reopened,
// for the `reopened` filter of case listings and the reopen report. Every case before it was
// reopened never (reopens came with this version), so 0 is exact.
constexpr const char* kMigration15 = R"sql(
ALTER TABLE cases ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cases_reopened ON cases (sla_due, id) WHERE reopen_count > 0;
CREATE INDEX case_events_reopened ON case_events (at) WHERE type = 'case.reopened';
)sql";

// Version 16: the parcels cases hold, by tracking number (storage/case_parcels.h), so a carrier's
// event finds its cases by an index lookup where it looked into every open case's snapshot. Rows
// follow each case's snapshot, closed cases included (lookups keep to open cases through
// cases.closed_at). The backfill takes the same fields the writer takes: string fields named
// tracking_number or ending in _tracking, and the tracking field of a carrier trigger of the
// case's stored workflow version.
constexpr const char* kMigration16 = R"sql(
CREATE TABLE case_parcels (
  tracking_number  TEXT NOT NULL,
  field            TEXT NOT NULL,             -- the case field holding it
  case_id          TEXT NOT NULL REFERENCES cases (id),
  PRIMARY KEY (tracking_number, field, case_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO case_parcels (tracking_number, field, case_id)
SELECT f.value, f.key, c.id FROM cases AS c, json_each(c.snapshot, '$.fields') AS f
WHERE f.type = 'text' AND (f.key = 'tracking_number' OR f.key LIKE '%\_tracking' ESCAPE '\'
  OR f.key IN (
    SELECT json_extract(t.value, '$.on_carrier_event.tracking_field')
    FROM workflow_definitions AS w, json_each(w.definition, '$.transitions') AS t
    WHERE w.workflow_id = c.workflow_id AND w.version = c.workflow_version));
)sql";

// Version 17: orders by the tracking number on their record (details.tracking_number), so that an
// event naming only a parcel finds the order that shipped it by an index lookup: before, every
// case was read to find its order's (46 ms an event on 100,000 returns, docs/benchmarks.md,
// "Parcel events benchmark"). Partial: most orders carry no tracking number.
constexpr const char* kMigration17 = R"sql(
CREATE INDEX orders_by_tracking_number ON orders (json_extract(details, '$.tracking_number'))
  WHERE json_extract(details, '$.tracking_number') IS NOT NULL;
)sql";

const std::vector<Migration> kMigrations = {
    {1,
     "cases, journal, timers, outbox, compensations, approvals, customers, orders, users, "
     "teams, tokens, idempotency keys, webhooks",
     kMigration1},
    {2, "full-text search over case text (FTS5 trigram); webhook redelivery rounds", kMigration2},
    {3, "webhook retention: indexes for purging settled deliveries and counting dead ones",
     kMigration3},
    {4,
     "queue columns of cases (summary, SLA warn instant, warned and breached flags) backfilled "
     "from snapshots; the team workload index",
     kMigration4, backfill_queue_columns},
    {5, "console sign-in sessions", kMigration5, nullptr},
    {6,
     "full-text search of 1- and 2-character words (CJK unigrams and bigrams in a unicode61 "
     "table, case_terms, rebuilt from the journal) in place of the trigram index",
     kMigration6, rebuild_case_terms},
    {7,
     "customers and orders as records: contacts and addresses, membership level changes, "
     "contact views, customer names in search; compensations by order; case links",
     kMigration7, nullptr},
    {8, "integration tokens carry scopes; tokens made before keep every scope", kMigration8,
     nullptr},
    {9, "evidence attached to cases (attachments; content files named by SHA-256)", kMigration9,
     nullptr},
    {10, "assignment: team calendars, users' availability (with its change log) and skills",
     kMigration10, nullptr},
    {11,
     "bulk imports of customers and orders: jobs, rejected lines, ids taken by a running job, "
     "customers left to reassess",
     kMigration11, nullptr},
    {12,
     "promises to customers across cases, each with its status, due, maker and the case's team "
     "and assignee; snapshots' promises gain the times they were made, kept or breached",
     kMigration12, backfill_promises},
    {13, "parcel events reported by carriers; snapshots say whom the case waits on", kMigration13,
     nullptr},
    {14,
     "worklist and follow-up columns of cases (next due, follow-up due, follow-up start, "
     "completion and CSAT) backfilled from snapshots; their indexes",
     kMigration14, backfill_follow_up_columns},
    {15, "cases count their reopens (reopen_count), for the reopened filter and report",
     kMigration15, nullptr},
    {16, "the parcels cases hold, by tracking number (case_parcels), backfilled from snapshots",
     kMigration16, nullptr},
    {17, "orders by the tracking number on their record", kMigration17, nullptr},
};

bool has_user_tables(SqliteDb& db) {
  return db.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table'") > 0;
}

}  // namespace

Status check_database_identity(SqliteDb& db, int latest_version) {
  try {
    const auto application_id = db.query_int("PRAGMA application_id");
    const int version = schema_version(db);
    // A file is ours when it carries our application id, or when it is still empty.
    if (application_id != kApplicationId &&
        (application_id != 0 || version != 0 || has_user_tables(db))) {
      return Error(ErrorCode::kNotARedressDatabase,
                   db.path() + " is not a Redress database (application_id " +
                       std::to_string(application_id) + ", schema version " +
                       std::to_string(version) + "); refusing to touch it");
    }
    if (version > latest_version) {
      return Error(ErrorCode::kSchemaTooNew,
                   db.path() + " has schema version " + std::to_string(version) +
                       ", newer than this build of Redress understands (" +
                       std::to_string(latest_version) +
                       "); run the newer Redress, or restore a backup made by this version");
    }
    return Status::Ok();
  } catch (const SqliteError& e) {
    return to_error(e);
  }
}

const std::vector<Migration>& migrations() {
  return kMigrations;
}

int latest_schema_version() {
  return kMigrations.back().version;
}

int schema_version(SqliteDb& db) {
  return static_cast<int>(db.query_int("PRAGMA user_version"));
}

Result<MigrationReport> migrate(SqliteDb& db) {
  return migrate(db, kMigrations);
}

Result<MigrationReport> migrate(SqliteDb& db, const std::vector<Migration>& list) {
  const int latest = list.empty() ? 0 : list.back().version;
  try {
    // The write lock first: two processes starting together must not both migrate.
    Transaction tx(db, Transaction::Kind::kImmediate);
    MigrationReport report;
    report.from_version = schema_version(db);
    if (auto identity = check_database_identity(db, latest); !identity.ok()) {
      return identity.error();
    }
    for (const auto& m : list) {
      if (m.version <= report.from_version) continue;
      db.exec(m.sql);
      if (m.backfill) m.backfill(db);
      report.applied.push_back(std::to_string(m.version) + ": " + m.description);
    }
    report.to_version = latest;
    if (!report.applied.empty()) {
      db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
      db.exec("PRAGMA user_version = " + std::to_string(report.to_version));
    }
    tx.commit();
    return report;
  } catch (const SqliteError& e) {
    return to_error(e);
  }
}

}  // namespace redress::storage
