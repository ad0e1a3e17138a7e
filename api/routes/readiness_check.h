// ReadinessCheck: the durable write behind /readyz, run at most once per interval.
//
// /readyz needs no token (load balancers ask it), and its probe is a real write through the
// storage writer — with synchronous=FULL, an fsync. Unthrottled, anyone who can reach the port
// could make the server fsync at will. So a probe runs at most once per `interval` on the
// server's clock, and calls in between answer from the last probe's result; calls that arrive
// while a probe runs wait for it and share its result. A clock set back before the last probe
// runs a new one at once.
//
// `done` is called exactly once per check: at once (from the last result) on the calling
// thread, or with the probe's result on the storage writer's thread (or the calling thread when
// the store refuses the write). It must not block.
//
// Thread-safety: check() may be called from any thread. The ServerQueries and the clock must
// outlive the check and every probe it started (the server answers queued writes before it
// destroys its routes).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/mutex.h"
#include "engine/result.h"
#include "engine/time.h"
#include "storage/server_queries.h"

namespace redress::api {

class ReadinessCheck : public std::enable_shared_from_this<ReadinessCheck> {
 public:
  // The probe's answer: the database's schema version, or why the write failed.
  using Done = std::function<void(const Result<int>& schema_version)>;

  ReadinessCheck(storage::ServerQueries& queries, const Clock& clock,
                 Millis interval = std::chrono::seconds(1))
      : queries_(queries), clock_(clock), interval_(interval) {}

  void check(Done done);

 private:
  void finish(Result<int> result);

  storage::ServerQueries& queries_;
  const Clock& clock_;
  const Millis interval_;
  Mutex mutex_;
  std::optional<Result<int>> last_result_ GUARDED_BY(mutex_);
  Instant last_started_ GUARDED_BY(mutex_){};  // when last_result_'s probe began
  bool probing_ GUARDED_BY(mutex_) = false;
  std::vector<Done> waiting_ GUARDED_BY(mutex_);  // answered when the probe ends
};

}  // namespace redress::api
