import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDocument, DomUtils } from 'htmlparser2'
import type { CommandContext } from '../src/eval-command'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const DATASET = join(REPO_ROOT, 'tools/llm_eval/datasets/sp500-signals.jsonl')
export const PROMPTS_FILE = join(REPO_ROOT, 'configs/llm_prompts.yaml')
export const LOCK_FILE = join(REPO_ROOT, 'configs/llm_prompts.lock.json')
const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx')
const CLI = join(REPO_ROOT, 'tools/llm_eval/src/cli.ts')

export const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'llm-eval-test-'))

/** An in-process command context that collects the output lines. */
export function captureContext(env: Record<string, string>): CommandContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    env: { LOG_LEVEL: 'silent', ...env },
    cwd: REPO_ROOT,
    out: (l) => {
      stdout.push(l)
    },
    err: (l) => {
      stderr.push(l)
    },
    progressStream: { write: () => true, isTTY: false },
    stdout,
    stderr,
  }
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `tsx tools/llm_eval/src/cli.ts ...args` as a real process; killed at the deadline. */
export function runCli(args: string[], env: Record<string, string>, deadlineMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`cli did not finish within ${deadlineMs} ms\n${stderr}`))
    }, deadlineMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- records are checked field by field
export async function readJsonl(path: string): Promise<Array<Record<string, any>>> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
}

/** What a report test needs to know about an HTML page, from a real HTML parse. */
export function inspectHtml(html: string): {
  charts: Array<{ kind: string; rects: number; title: string }>
  externalRefs: string[]
  forbiddenTags: string[]
} {
  const doc = parseDocument(html)
  const elements = DomUtils.findAll(() => true, doc.children)
  const charts = elements
    .filter((e) => e.name === 'svg' && /\bchart\b/.test(e.attribs.class ?? ''))
    .map((e) => ({
      kind:
        (e.attribs.class ?? '')
          .split(' ')
          .find((c) => c.startsWith('chart-'))
          ?.slice(6) ?? '',
      rects: DomUtils.findAll((x) => x.name === 'rect', e.children).length,
      title: DomUtils.textContent(DomUtils.findOne((x) => x.name === 'title', e.children) ?? []),
    }))
  const externalRefs: string[] = []
  for (const e of elements) {
    for (const [name, value] of Object.entries(e.attribs)) {
      if (/^\s*(https?:|\/\/|ftp:|data:)/i.test(value) || /url\(/i.test(value)) externalRefs.push(`<${e.name} ${name}="${value}">`)
    }
  }
  for (const style of elements.filter((e) => e.name === 'style')) {
    const css = DomUtils.textContent(style)
    if (/url\(|@import/i.test(css)) externalRefs.push(`style: ${css.slice(0, 80)}`)
  }
  const forbiddenTags = elements.filter((e) => ['script', 'link', 'img', 'iframe', 'object', 'embed', 'image', 'use'].includes(e.name)).map((e) => e.name)
  return { charts, externalRefs, forbiddenTags }
}

/** Nearest-rank percentile, written again here so the summary is checked by a second implementation. */
export function nearestRank(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  let k = Math.ceil((p * s.length) / 100)
  if (k < 1) k = 1
  return s[k - 1] as number
}
