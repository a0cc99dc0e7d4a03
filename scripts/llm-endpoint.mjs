// `node scripts/llm-endpoint.mjs <target> [eval args]`: one line saying which LLM endpoint a make
// target is about to use, why (LLM_BASE_URL, --base-url, or the default when LLM_BASE_URL is unset)
// and what answers there: lexi-sim (it names itself in GET /version), a vLLM, or nothing. So
// `make test-llm` never passes silently against whatever listens on 127.0.0.1:8008.
// Plain JavaScript on purpose: node starts it in ~50 ms, no tsx. It informs and always exits 0.
const DEFAULT_URL = 'http://127.0.0.1:8008/v1'
const PROBE_MS = 2000

const [target = 'llm', ...args] = process.argv.slice(2)

function chosenUrl() {
  const i = args.findIndex((a) => a === '--base-url' || a.startsWith('--base-url='))
  if (i >= 0) {
    const v = args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1]
    if (v) return { url: v, why: '--base-url' }
  }
  const env = (process.env.LLM_BASE_URL ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (env.length > 0) return { url: env[0], why: env.length > 1 ? `LLM_BASE_URL, first of ${env.length} replicas` : 'LLM_BASE_URL' }
  return { url: DEFAULT_URL, why: 'LLM_BASE_URL is unset: the default; only `make run` starts a lexi-sim of its own there' }
}

async function whatAnswers(url) {
  const base = url.replace(/\/+$/, '').replace(/\/v1$/, '')
  try {
    const res = await fetch(`${base}/version`, { signal: AbortSignal.timeout(PROBE_MS) })
    const body = res.ok ? await res.json().catch(() => null) : null
    if (body && body.simulator) return `${body.simulator}, a SIMULATOR with no model behind it (vLLM ${body.version} behaviour)`
    if (body && body.version) return `vLLM ${body.version} (not the simulator)`
    return `a server that is not lexi-sim (GET /version answered ${res.status})`
  } catch (err) {
    const cause = err?.cause?.code ?? err?.name ?? 'error'
    return `nothing answers there (${cause})`
  }
}

const { url, why } = chosenUrl()
const what = await whatAnswers(url)
process.stdout.write(`${target}: LLM endpoint ${url} (${why}): ${what}\n`)
