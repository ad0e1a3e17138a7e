// await_result: blocks the calling thread until a callback-style storage operation answers.
//
// The store's writes answer through a `done` callback on the writer thread, so that the server
// never parks an I/O thread on a disk write. The command line and the tests have nothing better
// to do than wait; this adapter lets them write
//
//   auto team = await_result<Team>([&](auto done) { directory.create_team(t, std::move(done)); });
//
// `start(done)` must arrange for `done` to be called exactly once, from any thread (including
// synchronously, from inside `start`). Never call this on a thread the answer depends on (the
// writer thread itself, or an io_context thread that must run for `done` to be called).
//
// Thread-safety: a free function; each call has its own promise.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <utility>

#include "engine/result.h"

namespace redress::storage {

template <typename T, typename Start>
Result<T> await_result(Start&& start) {
  // Shared: the callback may outlive this frame's view of it (it is copied into the write).
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto answer = promise->get_future();
  std::function<void(Result<T>)> done = [promise](Result<T> result) {
    promise->set_value(std::move(result));
  };
  std::forward<Start>(start)(std::move(done));
  return answer.get();
}

}  // namespace redress::storage
