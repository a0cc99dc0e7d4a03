/**
 * B5 chat flood (issue 15): the forecast worker's policy latency with and without a chat flood in
 * the api. lexi-sim runs in its own process with 64 slots and long chat answers (1000-1400
 * tokens); each side works through F forecasts with the worker's documented share of Lexi
 * (LLM_CONCURRENCY=48) while C chat streams are in flight in an api client (default budgets: at
 * most 16 at Lexi). ratio = policy p95 with chat / without (priority scheduling on both sides).
 * Extra rows, for reference: the same flood against an fcfs Lexi (the runbook's today), and with
 * chat allowed every slot (LLM_INTERACTIVE_SLOTS=64, LLM_RESERVED_SLOTS=0: how it was before).
 *
 *   npx tsx bench/b5-chat-flood.bench.ts [--forecasts 96] [--chat 60] [--time-scale 0.3] [--no-unbounded]
 *
 * Postgres: scratch databases on DATABASE_URL's server, else on the embedded Postgres; dropped at the end.
 * Last line: `b5-chat-flood ratio=X` (target <= 1.5).
 */
import { parseArgs } from 'node:util'
import { reportBench, round } from './kit/bench-report'
import { chatFloodSimFlags, runChatFloodSide, type ChatFloodSide } from './kit/chat-flood'
import { startSimProcess, type SimProcess } from './kit/lexi-sim-process'
import { machineInfo } from './kit/machine'
import { createScratchDatabase } from './kit/scratch-database'

const { values } = parseArgs({
  options: { forecasts: { type: 'string' }, chat: { type: 'string' }, 'time-scale': { type: 'string' }, 'no-unbounded': { type: 'boolean' } },
})
const forecasts = Number(values.forecasts ?? 96)
const chat = Number(values.chat ?? 60)
const timeScale = values['time-scale'] ?? '0.3'
const machine = machineInfo()
const simFlags = (policy: 'fcfs' | 'priority'): string[] => chatFloodSimFlags(policy, timeScale)

interface Row {
  name: string
  side: ChatFloodSide
}

async function side(sim: SimProcess, name: string, o: { chatStreams: number; priority: boolean; apiEnv?: Record<string, string> }): Promise<Row> {
  const db = await createScratchDatabase(process.env.DATABASE_URL, 12)
  try {
    const s = await runChatFloodSide({ simUrl: sim.url, db, forecasts, ...o })
    console.log(
      `${name}: policy ok ${s.policy_ok}/${s.policy_calls}, p50 ${s.policy_p50_ms} ms, p95 ${s.policy_p95_ms} ms, circuits opened ${s.circuits_opened}`,
    )
    return { name, side: s }
  } finally {
    await db.drop()
  }
}

const rows: Row[] = []
const priority = await startSimProcess(simFlags('priority'))
try {
  rows.push(await side(priority, 'no chat (priority Lexi)', { chatStreams: 0, priority: true }))
  rows.push(await side(priority, `${chat} chat streams (priority Lexi)`, { chatStreams: chat, priority: true }))
} finally {
  await priority.close()
}
const fcfs = await startSimProcess(simFlags('fcfs'))
try {
  rows.push(await side(fcfs, 'no chat (fcfs Lexi)', { chatStreams: 0, priority: false }))
  rows.push(await side(fcfs, `${chat} chat streams (fcfs Lexi)`, { chatStreams: chat, priority: false }))
  if (values['no-unbounded'] !== true) {
    rows.push(
      await side(fcfs, `${chat} chat streams, chat may take every slot (fcfs Lexi)`, {
        chatStreams: chat,
        priority: false,
        apiEnv: { LLM_INTERACTIVE_SLOTS: '64', LLM_RESERVED_SLOTS: '0' },
      }),
    )
  }
} finally {
  await fcfs.close()
}

const [base, flood] = [rows[0]!.side, rows[1]!.side]
const ratio = flood.policy_p95_ms / base.policy_p95_ms
await reportBench(
  {
    name: 'b5-chat-flood',
    ratio,
    target: 1.5,
    better: 'lower',
    params: {
      forecasts,
      chat_streams: chat,
      time_scale: Number(timeScale),
      worker_llm_concurrency: 48,
      lexi_seqs: 64,
      text_tokens: [1000, 1400],
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
    },
    rows: rows.map(({ name, side: s }) => ({
      run: name,
      'policy ok': `${s.policy_ok}/${s.policy_calls}`,
      'p50 ms': s.policy_p50_ms,
      'p95 ms': s.policy_p95_ms,
      'p95 / no chat': round(s.policy_p95_ms / (name.includes('fcfs') ? rows[2]!.side.policy_p95_ms : base.policy_p95_ms), 2),
      'circuits opened': s.circuits_opened,
      'chat at Lexi': s.chat_at_lexi,
      'chat queued in api': s.chat_queued,
      'run s': s.run_s,
    })),
    notes: [
      `policy p95: ${flood.policy_p95_ms} ms with ${chat} chat streams vs ${base.policy_p95_ms} ms without (priority scheduling); ratio = with / without`,
      'p95 / no chat of an fcfs row compares with the fcfs run without chat',
    ],
  },
  machine,
)
