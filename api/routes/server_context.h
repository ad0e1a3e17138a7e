// ServerContext: the long-lived services every route handler may use, owned by ApiServer.
//
// Thread-safety: every member is itself thread-safe; the context is shared read-only.
#pragma once

#include <functional>
#include <string>

#include "api/delivery/stream_protocol.h"
#include "api/http/metrics.h"
#include "api/http/request_pipeline.h"
#include "api/http/server_config.h"
#include "api/http/token_authenticator.h"
#include "engine/time.h"
#include "storage/attachment_store.h"
#include "storage/carrier_events.h"
#include "storage/case_store.h"
#include "storage/customer_store.h"
#include "storage/directory_store.h"
#include "storage/idempotency_store.h"
#include "storage/import_store.h"
#include "storage/server_queries.h"
#include "storage/webhook_store.h"

namespace redress::api {

struct ServerContext {
  const ServerConfig& config;
  storage::CaseStore& store;
  storage::DirectoryStore& directory;
  storage::IdempotencyStore& idempotency;
  storage::WebhookStore& webhooks;
  storage::ServerQueries& queries;
  storage::CustomerStore& customers;
  storage::AttachmentStore& attachments;
  TokenAuthenticator& auth;
  Metrics& metrics;
  const Clock& clock;
  // Called after writes that may have produced outbox rows or journal entries: wakes the
  // webhook sender and the live-update fan-out without waiting for their next poll.
  std::function<void()> on_committed = [] {};
  // Called after a token or a session was revoked (token id or session id) or a user's role,
  // team or activity changed (user id): open live-update streams opened with them are closed
  // (StreamHub).
  std::function<void(const std::string& token_id, const std::string& user_id)>
      on_credentials_changed = [](const std::string&, const std::string&) {};
  // Runs `work` on an I/O thread. Storage callbacks arrive on the single writer thread, whose
  // time bounds the write rate of the whole server: they hand rendering and answering over.
  std::function<void(std::function<void()> work)> run_on_io = [](std::function<void()> work) {
    work();
  };
  // Bulk imports: the jobs (null where the server has none, as in the request fuzzer), where
  // uploads are spooled, and the runner's hooks: `run_import_task` runs blocking work (an upload's
  // fsync and its job's row) off the I/O threads, `on_import_queued` wakes the runner.
  storage::ImportStore* imports = nullptr;
  std::string import_spool_dir{};
  std::function<void(std::function<void()> task)> run_import_task = [](std::function<void()> task) {
    task();
  };
  std::function<void()> on_import_queued = [] {};
  // Blocking work of a request that must not hold an I/O thread (decoding an uploaded image for
  // its thumbnail, fsyncing its file), run on the server's blocking worker. False when too much
  // is waiting already: the request is then answered 503.
  std::function<bool(std::function<void()> task)> run_blocking = [](std::function<void()> task) {
    task();
    return true;
  };
  // Parcel events reported by carriers (null where the server has none, as in the request
  // fuzzer: the routes then answer 404), and how their notices reach live streams (StreamHub).
  storage::CarrierEventStore* carrier_events = nullptr;
  std::function<void(std::vector<CaseNotice>)> publish_notices = [](std::vector<CaseNotice>) {};
};

// The part of the context the request pipeline uses.
inline PipelineServices pipeline_services(ServerContext& context) {
  return {context.config, context.auth, context.metrics, context.clock};
}

}  // namespace redress::api
