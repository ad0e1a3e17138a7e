// The console at scale: a team queue of 10,000 open cases (seeded by `redress seed-demo
// --cases 10000`, engine commands in group-commit batches) pages 50 at a time, and its
// filters and search answer without rendering the whole list, with no horizontal overflow on
// a desktop or a phone; a case with 500 journal entries shows its timeline 100 at a time and
// "show earlier entries" reveals the rest.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server, launchBrowser, newPage, screenshot, signIn } from './support.js';

const kGenerated = 10000;
const kJournalEntries = 500;
let server;
let browser;
let busyCase;

before(async () => {
  server = new Server();
  const seeding = Date.now();
  const output = await server.seedDemo(kGenerated);
  assert.match(output, new RegExp(`Generated ${kGenerated} open cases`));
  console.log(`# seed-demo --cases ${kGenerated}: ${((Date.now() - seeding) / 1000).toFixed(1)} s`);
  await server.start();
  browser = await launchBrowser();

  // The first generated case (agent.li's) gets comments up to 500 journal entries.
  busyCase = /Generated \d+ open cases, (C-\d+)/.exec(output)[1];
  const agentToken = server.demoTokens['agent.li'];
  const existing = (await server.api('GET', `/v1/cases/${busyCase}/events?page_size=1000`, { token: agentToken })).events.length;
  const comments = Array.from({ length: kJournalEntries - existing }, (_, i) => `Follow-up note ${i + 1} 跟进记录`);
  const writing = Date.now();
  for (let i = 0; i < comments.length; i += 25) {
    await Promise.all(comments.slice(i, i + 25).map((text) => server.api('POST', `/v1/cases/${busyCase}/comments`, { token: agentToken, body: { text } })));
  }
  console.log(`# ${comments.length} comments: ${((Date.now() - writing) / 1000).toFixed(1)} s`);
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

const overflows = (page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
const firstRowId = (page) => page.locator('table.cases tbody tr td a').first().textContent();

test('a team queue of 10,000 open cases pages, filters and searches', async () => {
  const page = await newPage(browser, { language: 'en' });
  await signIn(page, server, server.demoTokens['lead.zhang']);
  await page.goto(`${server.url}/queue?scope=team`);
  const rows = page.locator('table.cases tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 50);
  assert.equal(await overflows(page), false, 'the queue overflows horizontally at 1280 px');
  await screenshot(page, 'queue-10k-en', { fullPage: false });

  // Three pages on, and back to the first: each a page of 50, in SLA order, none repeated.
  const seen = new Set();
  for (let n = 0; n < 3; ++n) {
    const before = await firstRowId(page);
    for (const id of await page.locator('table.cases tbody tr td:first-child a').allTextContents()) seen.add(id);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction((id) => document.querySelector('table.cases tbody tr td a')?.textContent !== id, before);
    assert.equal(await rows.count(), 50);
  }
  assert.equal(seen.size, 150);
  await page.getByRole('button', { name: 'First page' }).click();
  await page.locator('table.cases tbody tr').first().waitFor();

  // Filters: high severity, waiting in the team queue.
  await page.locator('#filter-severity').selectOption('high');
  await page.locator('#filter-unassigned').check();
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('table.cases tbody tr')];
    return cells.length === 50 && cells.every((row) => row.querySelector('.badge-severity-high') && row.textContent.includes('Unassigned'));
  });

  // Search: one generated case by its number. The number is a word (schema v6 search matches
  // words from their start), so the case whose id is C-4242 is found as well.
  await page.locator('#filter-unassigned').uncheck();
  await page.locator('#filter-severity').selectOption('');
  await page.locator('#filter-q').fill('#4242 ');
  await page.locator('#filter-q').press('Enter');
  await page.locator('table.cases tbody tr', { hasText: '#4242 ' }).waitFor();
  for (const text of await rows.allTextContents()) assert.match(text, /#4242 |C-4242(?!\d)/);
  assert.ok(page.url().includes('q=%234242'), page.url());

  // A phone: the queue is a list of cards, still without sideways scrolling.
  const phone = await newPage(browser, { language: 'zh', width: 390, height: 844 });
  await signIn(phone, server, server.demoTokens['lead.zhang']);
  await phone.goto(`${server.url}/queue?scope=team`);
  await phone.locator('table.cases tbody tr').first().waitFor();
  assert.equal(await overflows(phone), false, 'the queue overflows horizontally at 390 px');
  await screenshot(phone, 'queue-10k-phone-zh', { fullPage: false });
  assert.deepEqual(page.consoleErrors, []);
});

test('a case with 500 journal entries shows its timeline 100 at a time', async () => {
  const page = await newPage(browser, { language: 'en' });
  await signIn(page, server, server.demoTokens['agent.li']);
  await page.goto(`${server.url}/cases/${busyCase}`);
  const entries = page.locator('.timeline-list li');
  await entries.first().waitFor();
  assert.match(await page.locator('#timeline-heading').textContent(), new RegExp(`${kJournalEntries} entries`));
  assert.equal(await entries.count(), 100);
  const more = page.getByRole('button', { name: 'Show earlier entries' });
  for (let shown = 200; shown <= kJournalEntries; shown += 100) {
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('.timeline-list li').length === n, shown);
  }
  assert.equal(await more.count(), 0);
  // Newest first: the last comment heads the list, the opening entry ends it.
  assert.match(await entries.first().textContent(), /Follow-up note \d+/);
  assert.equal(await entries.last().getAttribute('data-type'), 'case.created');
  assert.equal(await overflows(page), false, 'the case page overflows horizontally');
  assert.deepEqual(page.consoleErrors, []);
});
