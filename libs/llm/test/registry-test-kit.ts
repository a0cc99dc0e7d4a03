import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Shared by the registry-*.test.ts files: the real configs, copies of them, and the real CLI. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const PROMPTS_YAML = join(REPO_ROOT, 'configs/llm_prompts.yaml')
export const PROMPTS_LOCK = join(REPO_ROOT, 'configs/llm_prompts.lock.json')
export const PROMPTS_SAMPLES = join(REPO_ROOT, 'configs/llm_prompts.samples.json')
export const PROMPTS_CLI = join(REPO_ROOT, 'libs/llm/src/cli/prompts-cli.ts')

export interface ConfigCopy {
  dir: string
  yaml: string
  lock: string
  samples: string
  read: (path: string) => string
  write: (path: string, text: string) => void
  /** Replaces exactly one occurrence of `from` in the YAML copy (throws when it is not unique). */
  editYaml: (from: string, to: string) => void
  remove: () => void
}

export function copyConfigs(): ConfigCopy {
  const dir = mkdtempSync(join(tmpdir(), 'pt-prompts-'))
  const yaml = join(dir, 'llm_prompts.yaml')
  const lock = join(dir, 'llm_prompts.lock.json')
  const samples = join(dir, 'llm_prompts.samples.json')
  copyFileSync(PROMPTS_YAML, yaml)
  copyFileSync(PROMPTS_LOCK, lock)
  copyFileSync(PROMPTS_SAMPLES, samples)
  const read = (p: string): string => readFileSync(p, 'utf8')
  const write = (p: string, text: string): void => writeFileSync(p, text)
  return {
    dir,
    yaml,
    lock,
    samples,
    read,
    write,
    editYaml: (from, to) => write(yaml, replaceOnce(read(yaml), from, to)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from)
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`expected exactly one occurrence of ${JSON.stringify(from)}`)
  return text.slice(0, at) + to + text.slice(at + from.length)
}

/** 1-based line of the first occurrence of `needle`. */
export function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle)
  if (at < 0) throw new Error(`not found: ${JSON.stringify(needle)}`)
  return text.slice(0, at).split('\n').length
}

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `pnpm prompts` the way the package script does (tsx), in its own process. */
export function runPromptsCli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', PROMPTS_CLI, ...args],
      {
        cwd: REPO_ROOT,
        timeout: timeoutMs,
        env: { ...process.env, LLM_AB_BUCKETS: '', LLM_PROMPTS_PATH: '', ...env },
      },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(err)
          return
        }
        resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr })
      },
    )
  })
}
