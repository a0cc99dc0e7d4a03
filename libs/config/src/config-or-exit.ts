/**
 * For a process's composition root: returns load(), or prints the one-line ConfigError as
 * `<name>: <message>` and exits 1 (no stack trace for a bad setting; loadConfig errors are one line).
 */
export function configOrExit<T>(name: string, load: () => T): T {
  try {
    return load()
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n`)
    process.exit(1)
  }
}
