// Sessions slide while a person works and lapse when nobody does. With a one-minute session
// (--session-ttl 60), one page kept busy (a key press every few seconds) is still signed in
// and working well past the minute, its session refreshed on the server; a page left idle
// beside it is asked to sign in again, and its session no longer opens the API.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser, newPage, signIn } from './support.js';

const kTtlSeconds = 60;
const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('sun.li', 'agent', { name: 'Sun Li 孙丽' });
}, { options: { 'session-ttl': kTtlSeconds } });

const sessionOf = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('redress.session')));

test('an active page stays signed in past the session ttl; an idle one is asked to sign in again', async () => {
  const busy = await newPage(shared.browser, { language: 'en' });
  const idle = await newPage(shared.browser, { language: 'zh' });
  await signIn(busy, shared.server, shared.agent.token);
  await signIn(idle, shared.server, shared.agent.token);
  const busyFirst = await sessionOf(busy);
  const idleSession = await sessionOf(idle);
  const started = Date.now();

  // Work on the busy page for well over a ttl; leave the other alone.
  while (Date.now() - started < (kTtlSeconds + 15) * 1000) {
    await busy.waitForTimeout(5000);
    await busy.keyboard.press('Shift');
  }

  await idle.locator('#signin-token').waitFor();
  await idle.locator('.notice-warning', { hasText: '会话已结束，请重新登录。' }).waitFor();
  await shared.server.api('GET', '/v1/me', { token: idleSession.token, expect: 401 });

  assert.equal(await busy.locator('#signin-token').count(), 0);
  await busy.locator('header.topbar nav a[href="/queue"]').click();
  await busy.locator('.queue .empty, table.cases').first().waitFor();
  const busyNow = await sessionOf(busy);
  assert.equal(busyNow.token, busyFirst.token);
  assert.ok(new Date(busyNow.expires_at) > new Date(busyFirst.expires_at), 'the session was refreshed');
  const me = await shared.server.api('GET', '/v1/me', { token: busyNow.token });
  assert.equal(me.user.id, 'sun.li');
  assert.equal(await busy.locator('.notice-error').count(), 0);
});
