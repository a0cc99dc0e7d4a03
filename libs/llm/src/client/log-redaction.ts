/** pino redact paths for anything that could carry a credential. */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'authorization',
  '*.authorization',
  'Authorization',
  '*.Authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.Authorization',
  '*.headers.Authorization',
]

export type Scrub = (text: string) => string

/**
 * Removes the API key(s) and any `Bearer <token>` from text that came from elsewhere (upstream
 * error messages) before it is logged or stored.
 */
export function createScrubber(secrets: readonly string[]): Scrub {
  const keys = secrets.filter((s) => s.length >= 4 && s !== 'EMPTY')
  return (text) => {
    let out = text.replace(/\bbearer\s+[^\s"',;]+/gi, '[redacted]')
    for (const k of keys) out = out.split(k).join('[redacted]')
    return out
  }
}
