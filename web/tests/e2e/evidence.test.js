// Evidence on the case page: an agent attaches a photo (PNG) and a PDF invoice, sees the
// thumbnail the server made (fetched with the session's token into a blob: URL, no token in any
// URL), and sees why a program named photo.jpg is refused — in English and in Chinese.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { newPage, screenshot, serverAndBrowser, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('wu.fang', 'agent', { name: 'Wu Fang 吴芳' });
});

// CRC-32 (ISO 3309), as PNG chunks carry it.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

// A real PNG: a brown parcel with a red crush mark on white, width x height.
function parcelPng(width = 240, height = 160) {
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) {
      let rgb = [255, 255, 255];
      if (x > 40 && x < 200 && y > 30 && y < 130) rgb = [176, 124, 72];
      if (x > 90 && x < 150 && y > 60 && y < 100) rgb = [200, 30, 30];
      row.set(rgb, 1 + x * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);  // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

const invoicePdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

// "MZ", the DOS stub and a PE header: a Windows program, here named photo.jpg.
function windowsProgram() {
  const bytes = Buffer.alloc(512);
  bytes.write('MZ', 0, 'ascii');
  bytes.write('PE\0\0', 128, 'ascii');
  return bytes;
}

let orderSeq = 0;
async function openCase(summary) {
  const opened = await shared.server.api('POST', '/v1/cases', {
    token: shared.agent.token,
    body: {
      workflow_id: 'complaint', severity: 'normal', team: 'after_sales', assignee: shared.agent.id,
      customer: { id: 'CU-8118', segment: 'regular' },
      order: { id: `TB-8118-${++orderSeq}`, paid: { amount: 25900, currency: 'CNY' } },
      fields: { summary, category: 'damaged' },
    },
  });
  return opened.case.id;
}

for (const language of ['en', 'zh']) {
  test(`evidence: a photo and an invoice attached, a program refused (${language})`, async () => {
    const caseId = await openCase(language === 'zh' ? '快递箱被压坏，茶具碎了' : 'Parcel crushed, the tea set is broken');
    const page = await newPage(shared.browser, { language });
    const urls = [];
    page.on('request', (request) => urls.push(request.url()));
    await signIn(page, shared.server, shared.agent.token);
    await page.goto(`${shared.server.url}/cases/${caseId}`);
    const panel = page.locator('section.evidence-panel');
    await panel.waitFor();

    await page.locator('#evidence-file').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: parcelPng() });
    const photo = panel.locator('li.evidence-item[data-type="image/png"]');
    await photo.waitFor();
    // The thumbnail made by the server, shown from a blob: URL.
    const thumbnail = photo.locator('img.evidence-thumbnail');
    await thumbnail.waitFor();
    assert.match(await thumbnail.getAttribute('src'), /^blob:/);
    assert.ok(await thumbnail.evaluate((img) => img.complete && img.naturalWidth > 0), 'the thumbnail decodes');

    await page.locator('#evidence-file').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: invoicePdf });
    await panel.locator('li.evidence-item[data-type="application/pdf"]').waitFor();
    assert.equal(await panel.locator('li.evidence-item').count(), 2);
    // The journal lists both.
    await page.locator('.timeline-list li[data-type="evidence.attached"]').nth(1).waitFor();

    await page.locator('#evidence-file').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: windowsProgram() });
    const refused = panel.locator('.evidence-refused');
    await refused.waitFor();
    const said = await refused.textContent();
    if (language === 'en') {
      assert.match(said, /photo\.jpg was not attached/);
      assert.match(said, /a program, not a photo/);
    } else {
      assert.match(said, /photo\.jpg 未上传/);
      assert.match(said, /可执行程序/);
    }
    assert.equal(await panel.locator('li.evidence-item').count(), 2);

    const token = shared.agent.token;
    assert.deepEqual(urls.filter((url) => url.includes(token) || /token=|rds_/.test(url)), [], 'no token in any URL');
    await screenshot(page, `evidence-${language}`);
    assert.deepEqual(page.consoleErrors.filter((e) => !/415/.test(e)), []);
    await page.context().close();
  });
}
