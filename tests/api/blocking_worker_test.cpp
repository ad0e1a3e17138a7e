// BlockingWorker: blocking work of requests on one thread with a bounded queue — what keeps an
// image decode off the I/O threads and turns a flood of uploads into quick refusals.
#include <atomic>
#include <future>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "api/server/blocking_worker.h"

namespace redress::testing {

BOOST_AUTO_TEST_SUITE(blocking_worker)

BOOST_AUTO_TEST_CASE(tasks_beyond_the_waiting_limit_are_refused_and_the_rest_all_run) {
  api::BlockingWorker worker(2);
  worker.start();
  std::promise<void> started;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> ran{0};
  BOOST_TEST(worker.try_post([&, released] {
    started.set_value();
    released.wait();
    ++ran;
  }));
  started.get_future().wait();  // the first task holds the thread
  BOOST_TEST(worker.try_post([&] { ++ran; }));
  BOOST_TEST(worker.try_post([&] { ++ran; }));
  BOOST_TEST(!worker.try_post([&] { ran += 100; }));  // two already waiting
  release.set_value();
  worker.stop();  // runs what was queued before the thread ends
  BOOST_TEST(ran.load() == 3);
  // Stopped: work runs on the caller's thread.
  BOOST_TEST(worker.try_post([&] { ++ran; }));
  BOOST_TEST(ran.load() == 4);
}

BOOST_AUTO_TEST_CASE(tasks_run_on_the_workers_thread_not_the_callers) {
  api::BlockingWorker worker(4);
  worker.start();
  std::promise<std::thread::id> ran_on;
  BOOST_TEST(worker.try_post([&] { ran_on.set_value(std::this_thread::get_id()); }));
  BOOST_TEST((ran_on.get_future().get() != std::this_thread::get_id()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
