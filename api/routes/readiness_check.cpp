#include "api/routes/readiness_check.h"

#include <utility>

namespace redress::api {

void ReadinessCheck::check(Done done) {
  MutexLock lock(mutex_);
  if (probing_) {
    waiting_.push_back(std::move(done));
    return;
  }
  const auto now = clock_.now();
  if (last_result_ && now >= last_started_ && now - last_started_ < interval_) {
    const auto result = *last_result_;
    lock.unlock();
    return done(result);
  }
  probing_ = true;
  last_started_ = now;
  waiting_.push_back(std::move(done));
  lock.unlock();
  queries_.probe_writable(
      [self = shared_from_this()](Result<int> result) { self->finish(std::move(result)); });
}

void ReadinessCheck::finish(Result<int> result) {
  std::vector<Done> waiting;
  {
    MutexLock lock(mutex_);
    last_result_ = result;
    probing_ = false;
    waiting.swap(waiting_);
  }
  for (auto& done : waiting) done(result);
}

}  // namespace redress::api
