// End-to-end test support: the real server (REDRESS_BIN, default build/api/redress) on an
// ephemeral port with a fresh database and the built console (web/dist), Debian's Chromium
// driven by playwright-core, an API client for arranging data, screenshots into the build
// directory, and an axe-core accessibility check injected through the DevTools protocol (so the
// page's Content-Security-Policy stays on).
//
// Waits are generous (shared, slow machines) and no test asserts a duration.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import en from '../../src/i18n/en.js';
import zh from '../../src/i18n/zh.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../../..');
const require = createRequire(import.meta.url);

export const kWaitMs = 30000;
export const binary = process.env.REDRESS_BIN || path.join(repo, 'build/api/redress');
export const consoleDir = process.env.REDRESS_CONSOLE_DIR || path.join(repo, 'web/dist');
export const screenshotDir = process.env.REDRESS_SCREENSHOT_DIR || path.join(repo, 'build/screenshots');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// A running `redress serve`. `port` 0 picks a free one; restart() reuses the port and database.
// `options` adds or overrides serve flags by name: {'rate-limit': 3, 'session-ttl': 60}.
export class Server {
  constructor({ port = 0, dir, options = {} } = {}) {
    this.dir = dir || mkdtempSync(path.join(os.tmpdir(), 'redress-e2e-'));
    this.port = port;
    this.options = options;
    this.adminToken = null;
    this.demoTokens = {};
    this.child = null;
    this.output = '';
  }

  get dbPath() {
    return path.join(this.dir, 'redress.db');
  }

  // `redress seed-demo` into this server's database before start(), with `cases` generated
  // cases: the demo people's tokens land in demoTokens (by user id), the first admin's in
  // adminToken. Resolves to the command's output.
  async seedDemo(cases = 0) {
    const args = ['seed-demo', '--db', this.dbPath, '--workflows', path.join(repo, 'workflows'), '--cases', String(cases)];
    const output = await new Promise((resolve, reject) => {
      execFile(binary, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`seed-demo failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    const admin = /^\s+(rdr_\S+)\s*$/m.exec(output);
    if (admin) this.adminToken = admin[1];
    for (const match of output.matchAll(/^ {2}(\S+)\s+(agent|team_lead|supervisor|manager|admin|integration)\s+(rdr_\S+)/gm)) {
      this.demoTokens[match[1]] = match[3];
    }
    return output;
  }

  async start() {
    const flags = {
      db: this.dbPath, workflows: path.join(repo, 'workflows'), 'console-dir': consoleDir,
      port: this.port, 'access-log': 'false', 'timer-interval-ms': 200, 'rate-limit': 0, ...this.options,
    };
    const args = ['serve', ...Object.entries(flags).flatMap(([name, value]) => [`--${name}`, String(value)])];
    this.child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.output = '';
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.exited = exited;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.output}`)), kWaitMs);
      const onData = (chunk) => {
        this.output += chunk.toString();
        const token = /^\s+(rdr_\S+)\s*$/m.exec(this.output);
        if (token) this.adminToken = token[1];
        const serving = /serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.output);
        if (serving) {
          this.port = Number(serving[1]);
          clearTimeout(timer);
          resolve();
        }
      };
      this.child.stdout.on('data', onData);
      this.child.stderr.on('data', (chunk) => { this.output += chunk.toString(); });
      exited.then((code) => reject(new Error(`server exited (${code}):\n${this.output}`)));
    });
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  // JSON API call with a token; throws with the problem on a non-2xx answer unless `expect` says.
  async api(method, apiPath, { token, body, ifMatch, expect } = {}) {
    const headers = { Authorization: `Bearer ${token || this.adminToken}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (ifMatch != null) headers['If-Match'] = `"${ifMatch}"`;
    const response = await fetch(`${this.url}${apiPath}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (expect ? response.status !== expect : !response.ok) {
      throw new Error(`${method} ${apiPath} → ${response.status}: ${text}`);
    }
    return data;
  }

  // A team, and a user of `role` in it with an API token: {id, token}.
  async person(id, role, { team = 'after_sales', name } = {}) {
    await this.ensureTeam(team);
    await this.api('POST', '/v1/users', { body: { id, display_name: name || id, role, team_id: team } });
    const created = await this.api('POST', '/v1/tokens', { body: { user_id: id, label: `${id} e2e` } });
    return { id, token: created.token };
  }

  async ensureTeam(team) {
    this.teams ||= new Set();
    if (this.teams.has(team)) return;
    await this.api('POST', '/v1/teams', { body: { id: team, name: 'After-sales 售后一组' } });
    this.teams.add(team);
  }
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath, headless: true });
}

// A new browser context (its own sessionStorage) in `language` at the given viewport.
export async function newPage(browser, { language = 'en', width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({
    locale: language === 'zh' ? 'zh-CN' : 'en-GB',
    timezoneId: 'Asia/Shanghai',
    viewport: { width, height },
  });
  context.setDefaultTimeout(kWaitMs);
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') page.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => page.consoleErrors.push(String(error)));
  return page;
}

export async function signIn(page, server, token) {
  await page.goto(`${server.url}/`);
  await page.locator('#signin-token').fill(token);
  await page.locator('form button[type=submit]').click();
  await page.locator('header.topbar').waitFor();
}

// The whole page unless `fullPage` is false (the viewport: for long lists on a phone).
export async function screenshot(page, name, { fullPage = true } = {}) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core's WCAG 2 A/AA rules on the page; returns the serious and critical violations.
export async function accessibilityViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const run = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// Polls `check` (an async predicate) until it holds: for conditions outside the page, such as
// the server's view of a session.
export async function eventually(check, what) {
  const deadline = Date.now() + kWaitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// A fresh server and a browser for the test file: started before its first test, stopped after
// its last. The returned object's `server` and `browser` are set once `before` has run.
// `serverOptions` are the Server constructor's ({options: {...}} for extra serve flags).
export function serverAndBrowser(setUp = async () => {}, serverOptions = {}) {
  const shared = { server: null, browser: null };
  before(async () => {
    shared.server = await new Server(serverOptions).start();
    shared.browser = await launchBrowser();
    await setUp(shared);
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.dispose();
  });
  return shared;
}

// The words of every label in the loaded workflow definitions, by language.
export async function definitionLabels(server) {
  const labels = { en: [], zh: [] };
  const collect = (value) => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      if (typeof value.en === 'string' && typeof value.zh === 'string' && Object.keys(value).length === 2) {
        labels.en.push(value.en);
        labels.zh.push(value.zh);
      } else Object.values(value).forEach(collect);
    }
  };
  const list = await server.api('GET', '/v1/workflows');
  for (const w of list.workflows) collect(await server.api('GET', `/v1/workflows/${w.id}/versions/${w.version}`));
  return labels;
}

// Catalogue messages and definition labels of the other language (without placeholders, long
// enough to be telling) that appear in the page's text, and raw message keys.
export function foreignMessages(text, language, labels) {
  const mine = language === 'zh' ? zh : en;
  const other = language === 'zh' ? en : zh;
  const found = [];
  for (const [key, message] of Object.entries(other)) {
    if (message.includes('{') || message.length < 4 || message === mine[key]) continue;
    const pattern = new RegExp(`(^|[^A-Za-z])${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`);
    if (pattern.test(text)) found.push(`${key}: ${message}`);
  }
  const otherLabels = language === 'zh' ? labels.en : labels.zh;
  const myLabels = new Set(language === 'zh' ? labels.zh : labels.en);
  for (const words of otherLabels) {
    if (words.length >= 8 && !myLabels.has(words) && text.includes(words)) found.push(`label: ${words}`);
  }
  const rawKeys = Object.keys(en).filter((key) => text.includes(key));
  return [...found, ...rawKeys.map((key) => `raw key ${key}`)];
}

// The page's text without what is marked lang="en": the server's own words (field messages,
// escalation rules' reasons), which the console shows as they are.
export async function textOutsideEnglish(page) {
  return page.evaluate(() => {
    const copy = document.body.cloneNode(true);
    for (const english of copy.querySelectorAll('[lang="en"]')) english.remove();
    document.body.append(copy);
    copy.style.position = 'absolute';
    const words = copy.innerText;
    copy.remove();
    return words;
  });
}

// A screenshot of the page, then axe-core's check, which fails on any serious or critical
// violation.
export async function screenshotChecked(page, name) {
  await screenshot(page, name);
  const violations = await accessibilityViolations(page);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
}

// Fails when the page shows a message or workflow label of the other language, or a raw message
// key (the server's definition labels are read once per server).
const labelsOfServer = new WeakMap();
export async function assertOneLanguage(page, language, server) {
  if (!labelsOfServer.has(server)) labelsOfServer.set(server, await definitionLabels(server));
  assert.deepEqual(foreignMessages(await textOutsideEnglish(page), language, labelsOfServer.get(server)), []);
}
