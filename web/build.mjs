// Builds the console into dist/: one JavaScript bundle and one stylesheet under dist/assets/
// with content-hashed names (the server sends them as immutable), and dist/index.html, which
// names them (sent no-cache, so a new build is picked up on the next load).
// Usage: node build.mjs [--watch]   (outdir: dist/, or REDRESS_CONSOLE_OUT)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(process.env.REDRESS_CONSOLE_OUT || path.join(here, 'dist'));

function hashed(name, ext, content) {
  const digest = createHash('sha256').update(content).digest('hex').slice(0, 12);
  return `${name}-${digest}.${ext}`;
}

const result = await build({
  entryPoints: [path.join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  write: false,
  outdir: 'out',
  legalComments: 'none',
  logLevel: 'warning',
});

const js = result.outputFiles.find((f) => f.path.endsWith('.js')).text;
const css = await readFile(path.join(here, 'src/styles.css'), 'utf8');
const jsName = hashed('app', 'js', js);
const cssName = hashed('app', 'css', css);

await rm(outdir, { recursive: true, force: true });
await mkdir(path.join(outdir, 'assets'), { recursive: true });
await writeFile(path.join(outdir, 'assets', jsName), js);
await writeFile(path.join(outdir, 'assets', cssName), css);
const template = await readFile(path.join(here, 'src/index.html'), 'utf8');
await writeFile(
  path.join(outdir, 'index.html'),
  template.replace('%APP_JS%', `/assets/${jsName}`).replace('%APP_CSS%', `/assets/${cssName}`),
);
await writeFile(path.join(outdir, 'assets', 'favicon.svg'), await readFile(path.join(here, 'src/favicon.svg')));
console.log(`redress console: built ${path.relative(process.cwd(), outdir) || '.'} (${jsName} ${Math.round(js.length / 1024)} KiB, ${cssName})`);
