// ESLint flat config: the dependency rules of design section 3 plus a small set of TypeScript rules.
// Untyped linting only (no type-aware rules), so `make lint` stays fast.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'
import importX, { createNodeResolver } from 'eslint-plugin-import-x'
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs'

const ROOT = path.dirname(fileURLToPath(import.meta.url))
/** Root directories a test file may reach with a relative path: shared test helpers and runtime configs. */
const TEST_SHARED = [path.join(ROOT, 'test'), path.join(ROOT, 'configs')]

/** Package names of the workspace members under dir (e.g. the four services). */
const packagesIn = (dir) => {
  const base = path.join(ROOT, dir)
  if (!existsSync(base)) return []
  return readdirSync(base)
    .map((d) => path.join(base, d, 'package.json'))
    .filter((f) => existsSync(f))
    .map((f) => JSON.parse(readFileSync(f, 'utf8')).name)
}
const SERVICE_PACKAGES = packagesIn('services')
const SERVICE_DIRS = existsSync(path.join(ROOT, 'services')) ? readdirSync(path.join(ROOT, 'services')) : []

const isTestFile = (file) => /(^|[\\/])test[\\/]|\.test\.ts$/.test(path.relative(ROOT, file))

const rootCache = new Map()
/** Nearest directory at or above dir holding a package.json (the package a file belongs to). */
function packageRoot(dir) {
  if (rootCache.has(dir)) return rootCache.get(dir)
  const up = path.dirname(dir)
  const found = existsSync(path.join(dir, 'package.json')) ? dir : up === dir ? null : packageRoot(up)
  rootCache.set(dir, found)
  return found
}

/**
 * A relative import must stay inside its own package: another package is imported by name through
 * its `exports`. Test files may also import the shared helpers in the root test/ directory and
 * read fixtures from configs/.
 */
const noCrossPackageRelative = {
  meta: {
    type: 'problem',
    schema: [],
    messages: { cross: 'relative import "{{source}}" reaches into {{target}}: import that package by name through its exports' },
  },
  create(context) {
    const file = context.physicalFilename
    const own = packageRoot(path.dirname(file))
    const check = (node) => {
      const source = node?.type === 'Literal' ? node.value : undefined
      if (typeof source !== 'string' || !source.startsWith('.')) return
      const target = path.resolve(path.dirname(file), source)
      const isDir = existsSync(target) && statSync(target).isDirectory()
      const targetRoot = packageRoot(isDir ? target : path.dirname(target))
      if (targetRoot === own) return
      if (isTestFile(file) && TEST_SHARED.some((d) => target === d || target.startsWith(d + path.sep))) return
      context.report({ node, messageId: 'cross', data: { source, target: path.relative(ROOT, targetRoot ?? target) || 'the root package' } })
    }
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
    }
  },
}

const DEEP_IMPORT = { regex: '^@pulsetrade/[^/]+/src(/|$)', message: 'import a package through its exports, never its src/ (design section 3)' }
const NO_SERVICE =
  SERVICE_PACKAGES.length === 0
    ? []
    : [
        {
          group: SERVICE_PACKAGES.flatMap((name) => [name, `${name}/*`]),
          message: 'services are never imported: not by another service, not by a lib (design section 3). Share code through a lib.',
        },
      ]
const NO_FASTIFY = [
  { name: 'fastify', allowTypeImports: true, message: 'libs never import fastify at runtime (type-only imports are fine)' },
  { name: 'fastify-plugin', allowTypeImports: true, message: 'libs never import fastify at runtime (type-only imports are fine)' },
]
// The policy gate takes the risk verdict as input, never the reverse: risk checks, broker and panic
// exit work with no LLM at all (design section 5). Type-only imports count too.
const NO_LLM = [
  {
    group: ['@pulsetrade/llm', '@pulsetrade/llm/*'],
    message: 'libs/trading never imports libs/llm: the forecast service composes risk → gate → placement (design section 5)',
  },
]
const restrictedImports = ({ paths = [], patterns = [] } = {}) => ['error', { paths, patterns: [DEEP_IMPORT, ...patterns] }]

export default defineConfig(
  { ignores: ['**/node_modules/**', '.data/**', 'results/**', 'coverage/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  comments.recommended,
  {
    files: ['**/*.ts', '**/*.js'],
    linterOptions: { reportUnusedDisableDirectives: 'warn' },
    plugins: { 'import-x': importX, pulsetrade: { rules: { 'no-cross-package-relative': noCrossPackageRelative } } },
    settings: {
      // Files import-x parses to follow imports (no-cycle); .ts is not in its default list.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Every eslint-disable says why: `// eslint-disable-next-line rule -- reason`.
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': restrictedImports(),
      'pulsetrade/no-cross-package-relative': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: ROOT,
          zones: [
            ...SERVICE_DIRS.map((dir) => ({
              target: `./services/${dir}`,
              from: './services',
              except: [`./${dir}`],
              message: 'no service imports another service (design section 3)',
            })),
            { target: './libs', from: './services', message: 'libs never import services (design section 3)' },
            { target: './libs/trading', from: './libs/llm', message: 'libs/trading never imports libs/llm (design section 5)' },
          ],
        },
      ],
    },
  },
  {
    files: ['services/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrictedImports({ patterns: NO_SERVICE }) },
  },
  {
    files: ['libs/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrictedImports({ patterns: NO_SERVICE }) },
  },
  {
    // Library code proper (not its tests): no fastify at runtime, no console, no process.env.
    files: ['libs/*/src/**/*.ts'],
    ignores: ['**/cli.ts', '**/cli/**', '**/*-cli.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictedImports({ paths: NO_FASTIFY, patterns: NO_SERVICE }),
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: "process.env is read only in a service's config.ts/server.ts or a CLI entry: pass config in" },
      ],
    },
  },
  {
    // Errors are data: every thrown error has a class and a stable code (house style, issue 17).
    files: ['libs/*/src/**/*.ts', 'services/*/src/**/*.ts', 'tools/*/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ThrowStatement > NewExpression[callee.name='Error']",
          message: "throw a typed error with a stable code (a subclass of the package's error class), not a bare Error",
        },
      ],
    },
  },
  {
    files: ['services/*/src/**/*.ts', 'tools/*/src/**/*.ts'],
    ignores: ['**/config.ts', '**/server.ts', '**/cli.ts', '**/cli/**', '**/*-cli.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: "process.env is read only in a service's config.ts/server.ts or a CLI entry: pass config in" },
      ],
    },
  },
  {
    files: ['libs/trading/**/*.ts'],
    ignores: ['libs/trading/src/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restrictedImports({ patterns: [...NO_SERVICE, ...NO_LLM] }) },
  },
  {
    files: ['libs/trading/src/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrictedImports({ paths: NO_FASTIFY, patterns: [...NO_SERVICE, ...NO_LLM] }) },
  },
)
