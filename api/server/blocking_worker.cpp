#include "api/server/blocking_worker.h"

#include <utility>

namespace redress::api {

BlockingWorker::~BlockingWorker() {
  stop();
}

void BlockingWorker::start() {
  {
    MutexLock lock(mutex_);
    if (running_) return;
    running_ = true;
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void BlockingWorker::stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  MutexLock lock(mutex_);
  running_ = false;
}

bool BlockingWorker::try_post(std::function<void()> task) {
  {
    MutexLock lock(mutex_);
    if (running_ && !stopping_) {
      if (tasks_.size() >= max_waiting_) return false;
      tasks_.push_back(std::move(task));
      wake_.notify_one();
      return true;
    }
  }
  task();
  return true;
}

void BlockingWorker::loop() {
  MutexLock lock(mutex_);
  for (;;) {
    while (tasks_.empty() && !stopping_) lock.wait(wake_);
    if (tasks_.empty()) return;  // stopping, and everything queued has run
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace redress::api
