import cliProgress from 'cli-progress'

export interface Progress {
  tick: (done: number, info: { errors: number }) => void
  stop: () => void
}

export interface ProgressOptions {
  total: number
  /** Where progress goes (stderr, so stdout stays for results). */
  stream: NodeJS.WriteStream | { write: (s: string) => unknown; isTTY?: boolean }
  /** Plain mode: one line at every this fraction of the total. @default 0.1 */
  every?: number
  now?: () => number
}

/**
 * A cli-progress bar on a TTY (calls, rate, ETA, errors), plain lines otherwise
 * (`progress 400/2000 (20%) 85.1 calls/s errors 0`), so CI logs stay readable.
 */
export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? (() => performance.now())
  const t0 = now()
  const rate = (done: number): string => {
    const s = (now() - t0) / 1000
    return s > 0 ? (done / s).toFixed(1) : '0.0'
  }
  if (o.stream.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: o.stream as NodeJS.WriteStream,
        format: 'eval [{bar}] {value}/{total} {percentage}% | {rate} calls/s | ETA {eta_formatted} | errors {errors}',
        hideCursor: true,
        etaBuffer: 200,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    )
    bar.start(o.total, 0, { rate: '0.0', errors: 0 })
    return {
      tick: (done, info) => {
        bar.update(done, { rate: rate(done), errors: info.errors })
      },
      stop: () => {
        bar.stop()
      },
    }
  }
  const step = Math.max(1, Math.floor(o.total * (o.every ?? 0.1)))
  let last = 0
  return {
    tick: (done, info) => {
      if (done - last < step && done !== o.total) return
      last = done
      o.stream.write(`progress ${done}/${o.total} (${Math.round((done / o.total) * 100)}%) ${rate(done)} calls/s errors ${info.errors}\n`)
    },
    stop: () => {},
  }
}
