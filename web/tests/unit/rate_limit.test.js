// The console against a server's rate limit, in virtual time: a page's parallel requests refused
// together with 429 must all end well, not run out of retries by coming back together.
import assert from 'node:assert/strict';
import { test } from 'node:test';

// session.js listens for the person's activity on the window; Node has none.
globalThis.addEventListener ??= () => {};
const { request, setRetryTiming } = await import('../../src/api.js');

// A deterministic stand-in for Math.random (a linear congruential generator).
function seededRandom(seed) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

test("a page's parallel requests over the rate limit are all answered in the end", async () => {
  const rate = 2; // requests per second, as `redress serve --rate-limit 2 --rate-burst 4`
  const burst = 4;
  let now = 0; // virtual milliseconds
  let tokens = burst;
  let refilledAt = 0;
  const timers = [];
  globalThis.fetch = async () => {
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return new Response('{"ok":true}', { status: 200 });
    }
    const retryAfter = Math.ceil((1 - tokens) / rate);
    return new Response('{"code":"RATE_LIMITED"}', { status: 429, headers: { 'Retry-After': String(retryAfter) } });
  };
  setRetryTiming({
    sleep: (ms) => new Promise((resolve) => timers.push({ due: now + ms, resolve })),
    random: seededRandom(42),
  });

  const requests = Array.from({ length: 12 }, (_, i) => request('GET', `/v1/cases/C-${i}`));
  let settled = false;
  const outcomes = Promise.allSettled(requests).then((all) => {
    settled = true;
    return all;
  });
  // Drive the virtual clock: let the pending responses be read, then fire the earliest timer.
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve));
    if (settled) break;
    timers.sort((a, b) => a.due - b.due);
    const next = timers.shift();
    assert.ok(next, 'requests are pending with no retry scheduled');
    now = next.due;
    next.resolve();
  }
  const refused = (await outcomes).filter((o) => o.status === 'rejected').map((o) => o.reason.code);
  assert.deepEqual(refused, []);
});
