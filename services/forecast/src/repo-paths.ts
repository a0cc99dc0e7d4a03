import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (services/forecast/src/../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The bundled S&P 500 sample (data/README.md). */
export const BUNDLED_CSV = path.join(REPO_ROOT, 'data', 'sp500-daily-2000-2020.csv')

/** A relative path is taken from the repository root, so the worker runs the same from any cwd. */
export const fromRepo = (p: string): string => (path.isAbsolute(p) ? p : path.join(REPO_ROOT, p))
