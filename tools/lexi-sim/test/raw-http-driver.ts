import { connect, type Socket } from 'node:net'

/**
 * N pre-connected keep-alive sockets that each send one pre-serialised HTTP/1.1 request per
 * round. A general HTTP client spends ~0.3 ms of CPU per request on a busy 2-core machine, which
 * alone spreads 200 "concurrent" arrivals over ~100 ms; writing ready bytes does not, so a timing
 * test measures the server and its scheduling model rather than the client.
 */
export interface RawDriver {
  /** Sends one request on every socket; resolves with each response's status and completion time. */
  round: () => Promise<Array<{ status: number; at: number }>>
  close: () => void
}

export async function createRawDriver(port: number, n: number, path: string, json: string): Promise<RawDriver> {
  const request = Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  )
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s))
          s.setNoDelay(true)
          s.once('error', reject)
        }),
    ),
  )
  const one = (s: Socket) =>
    new Promise<{ status: number; at: number }>((resolve, reject) => {
      let buf = ''
      const onData = (d: Buffer): void => {
        buf += d.toString('latin1')
        const head = buf.indexOf('\r\n\r\n')
        if (head < 0) return
        const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, head))?.[1] ?? NaN)
        if (buf.length - head - 4 < length) return
        s.off('data', onData)
        s.off('close', onClose)
        resolve({ status: Number(buf.slice(9, 12)), at: performance.now() })
      }
      const onClose = (): void => reject(new Error('connection closed before the response'))
      s.on('data', onData)
      s.once('close', onClose)
      s.write(request)
    })
  return {
    round: () => Promise.all(sockets.map(one)),
    close: () => {
      for (const s of sockets) s.destroy()
    },
  }
}
