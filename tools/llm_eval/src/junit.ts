import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { XMLBuilder } from 'fast-xml-parser'
import type { GateResult } from './gates'
import { SIMULATED_LABEL } from './simulator-check'

export interface JunitRun {
  runId: string
  /** Where the run's files are (shown to whoever reads the CI result). */
  dir: string | null
  simulated: boolean
  endpoint: string
  wallMs: number
  timestamp: string
  gates: readonly GateResult[]
  /** Set when the run could not be made (exit 3): one errored test case says why. */
  error?: { name: string; message: string }
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true, suppressBooleanAttributes: false })

/**
 * JUnit XML of a run: one `testsuite`, one `testcase` per gate and version (classname = the version,
 * name = the gate and its threshold), a `failure` with the gate's line when it missed. A run that
 * could not be made is one `testcase` with an `error`. A simulated run says so in the suite's name
 * and in a `simulated` property.
 */
export function junitXml(r: JunitRun): string {
  const cases: Array<Record<string, unknown>> = r.gates.map((g) => ({
    '@_classname': `llm-eval.${g.subject}`,
    '@_name': `${g.metric} (--${g.flag} ${g.threshold})`,
    '@_time': '0',
    ...(g.pass ? {} : { failure: { '@_message': g.line, '@_type': 'gate', '#text': g.line } }),
  }))
  if (r.error !== undefined) {
    cases.push({
      '@_classname': 'llm-eval',
      '@_name': r.error.name,
      '@_time': '0',
      error: { '@_message': r.error.message, '@_type': r.error.name === 'endpoint reachable' ? 'unreachable' : 'error', '#text': r.error.message },
    })
  }
  const failures = r.gates.filter((g) => !g.pass).length
  const errors = r.error === undefined ? 0 : 1
  const suite = {
    '@_name': `llm-eval ${r.runId}${r.simulated ? ` (${SIMULATED_LABEL})` : ''}`,
    '@_tests': String(cases.length),
    '@_failures': String(failures),
    '@_errors': String(errors),
    '@_skipped': '0',
    '@_time': (r.wallMs / 1000).toFixed(3),
    '@_timestamp': r.timestamp,
    properties: {
      property: [
        { '@_name': 'run_id', '@_value': r.runId },
        { '@_name': 'results_dir', '@_value': r.dir ?? '' },
        { '@_name': 'endpoint', '@_value': r.endpoint },
        { '@_name': 'simulated', '@_value': String(r.simulated) },
      ],
    },
    testcase: cases,
  }
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: { '@_name': 'llm-eval', '@_tests': String(cases.length), '@_failures': String(failures), '@_errors': String(errors), testsuite: suite },
  }
  return builder.build(doc) as string
}

export async function writeJunit(file: string, r: JunitRun): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, junitXml(r))
}
