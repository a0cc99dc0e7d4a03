import closeWithGrace from 'close-with-grace'

interface Closable {
  close: () => Promise<unknown>
}
interface ShutdownLogger {
  info: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

/**
 * For server.ts: on SIGINT/SIGTERM (or an uncaught error) close the app, whose onClose hooks
 * release the pool and the LLM client; exit hard if that takes longer than `delayMs`.
 */
export function gracefulShutdown(app: Closable, opts: { logger: ShutdownLogger; delayMs?: number }): { close: () => void; uninstall: () => void } {
  const handle = closeWithGrace({ delay: opts.delayMs ?? 10_000, logger: false }, async ({ signal, err }) => {
    if (err !== undefined) opts.logger.error({ err }, 'shutting down after an uncaught error')
    else opts.logger.info({ signal }, 'shutting down')
    await app.close()
  })
  return { close: () => handle.close(), uninstall: () => handle.uninstall() }
}
