// Build the screens' front end into web/static/build (git-ignored), run by scripts/install.sh.
// Every top-level src/*.js is an entry point bundled to build/<name>.js, with its CSS (imports
// of .css files) to build/<name>.css; GOV.UK Frontend's stylesheet and assets are copied as
// they ship (fonts and images under build/assets, served at /assets by web/app.py).
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'static', 'build');
const govuk = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(govuk, 'govuk-frontend.min.css'), join(out, 'govuk-frontend.min.css'));
cpSync(join(govuk, 'assets'), join(out, 'assets'), { recursive: true });

const entryPoints = readdirSync(join(here, 'src'))
  .filter((name) => name.endsWith('.js'))
  .map((name) => join(here, 'src', name));

await build({
  entryPoints,
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  loader: { '.svg': 'dataurl', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.bpmnlintrc': 'json' },
  logLevel: 'warning',
  metafile: false,
});
console.log(`front end built into ${out}`);
