// Mutex and MutexLock: std::mutex and a scoped lock that clang's thread-safety analysis
// (-Wthread-safety, on in every clang build) can check. A member declared
// `int count_ GUARDED_BY(mutex_);` may then only be touched while `mutex_` is held, and a
// function declared `void flush() REQUIRES(mutex_);` only called so; a mistake is a compile error
// in the clang stages of scripts/test.sh instead of a race found (or not) at run time.
//
// libstdc++'s std::mutex carries no capability attributes, hence this small wrapper, as LevelDB
// (port/thread_annotations.h) and Abseil do. Under g++ the macros are empty and the wrapper is a
// plain std::mutex.
//
// Condition variables: wait through MutexLock::wait(cv) in a loop that tests the condition in the
// caller's scope (`while (!ready_) lock.wait(cv);`). A predicate lambda passed to
// std::condition_variable::wait would be a function of its own, which the analysis cannot see
// holding the lock.
//
// Thread-safety: Mutex is a mutex; a MutexLock belongs to the thread that made it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define REDRESS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define REDRESS_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) REDRESS_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY REDRESS_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) REDRESS_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) REDRESS_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) REDRESS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) REDRESS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) REDRESS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) REDRESS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS REDRESS_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace redress {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mutex_;
};

// Holds `mutex` from construction to destruction (or across unlock()/lock() pairs).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : lock_(mutex.mutex_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Drops and retakes the mutex inside the scope (work done without it, such as a batch run).
  void unlock() RELEASE() { lock_.unlock(); }
  void lock() ACQUIRE() { lock_.lock(); }

  // Blocks until `cv` is notified (or wakes spuriously): the mutex is released meanwhile and held
  // again on return, so to the analysis it is held throughout. Call in a loop over the condition.
  void wait(std::condition_variable& cv) { cv.wait(lock_); }
  // As wait, but returns after `timeout` at the latest.
  template <typename Rep, typename Period>
  void wait_for(std::condition_variable& cv, std::chrono::duration<Rep, Period> timeout) {
    cv.wait_for(lock_, timeout);
  }
  template <typename Clock, typename Duration>
  void wait_until(std::condition_variable& cv, std::chrono::time_point<Clock, Duration> deadline) {
    cv.wait_until(lock_, deadline);
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace redress
