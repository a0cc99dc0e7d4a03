/** Typed errors of the forecast service; `code` is stable (FORECAST_ERR_*), messages are for people. */
export class ForecastError extends Error {
  code = 'FORECAST_ERR'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

export interface RowProblem {
  line: number
  message: string
}

/** The CSV cannot be read at all: no header, a required column missing, an unknown separator. */
export class CsvFormatError extends ForecastError {
  override code = 'FORECAST_ERR_CSV_FORMAT'
}

/** Some rows are invalid; nothing was imported. `problems` names each bad row by its line number. */
export class CsvRowsError extends ForecastError {
  override code = 'FORECAST_ERR_CSV_ROWS'
  constructor(readonly problems: RowProblem[]) {
    const shown = problems
      .slice(0, 20)
      .map((p) => `  line ${p.line}: ${p.message}`)
      .join('\n')
    const more = problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ''
    super(`${problems.length} invalid row(s), nothing imported (use --skip-bad to import the valid rows):\n${shown}${more}`)
  }
}

/** Not enough bars before `asof` for a model or a signal. */
export class InsufficientHistoryError extends ForecastError {
  override code = 'FORECAST_ERR_HISTORY'
}

/** features.llm failed the contract (a bug in the writer, never an LLM failure). */
export class FeaturesContractError extends ForecastError {
  override code = 'FORECAST_ERR_FEATURES_CONTRACT'
}

/** Bad command-line usage. */
export class UsageError extends ForecastError {
  override code = 'FORECAST_ERR_USAGE'
}

/** A claimed job whose bar is not in market_bars (deleted after it was enqueued). */
export class MissingBarError extends ForecastError {
  override code = 'FORECAST_ERR_NO_BAR'
}

/** The batched write stored no row for a job and found none either (a bug, never a data problem). */
export class ForecastNotStoredError extends ForecastError {
  override code = 'FORECAST_ERR_NOT_STORED'
}
