// BlockingWorker: one thread for the blocking work of requests that must not run on an I/O
// thread — decoding an uploaded image for its thumbnail, fsyncing its file — with a bounded
// queue. An I/O thread that ran such work (a 40-megapixel image takes hundreds of milliseconds)
// would stall every other connection it serves; a bounded queue turns a flood of uploads into
// quick 503s instead of an ever longer wait.
//
// Thread-safety: try_post may be called from any thread; start/stop from the controlling
// thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <thread>

#include "engine/mutex.h"

namespace redress::api {

class BlockingWorker {
 public:
  // At most `max_waiting` tasks wait behind the one running.
  explicit BlockingWorker(size_t max_waiting) : max_waiting_(max_waiting) {}
  ~BlockingWorker();
  BlockingWorker(const BlockingWorker&) = delete;
  BlockingWorker& operator=(const BlockingWorker&) = delete;

  void start();
  // Runs the tasks still waiting, then ends the thread. Afterwards try_post runs tasks inline.
  void stop();
  // Queues `task`; false (and `task` dropped) when `max_waiting` tasks are already waiting.
  // Without a running thread the task runs on the caller's thread.
  bool try_post(std::function<void()> task);

 private:
  void loop();

  const size_t max_waiting_;
  Mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mutex_);
  bool running_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace redress::api
