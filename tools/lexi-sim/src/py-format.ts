/**
 * How Python renders values in the texts vLLM sends: `json.dumps` (", " and ": " separators,
 * non-ASCII escaped) for in-band stream error frames, and `repr()` inside pydantic messages.
 */

function asciiEscape(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Python's `json.dumps(value)` with default arguments. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${asciiEscape(JSON.stringify(k))}: ${pyJsonDumps(v)}`)
    return `{${parts.join(', ')}}`
  }
  return asciiEscape(JSON.stringify(value))
}

function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote
}

/** Python's `repr()` of a JSON-decoded value (dicts, lists, str, int/float, True/False/None). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return pyStr(value)
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value)
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyStr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`
  }
  return pyStr(String(value))
}

/** A pydantic `value_error` as FastAPI's RequestValidationError renders it (model validators). */
export function pydanticValueError(message: string, input: unknown): string {
  return `[{'type': 'value_error', 'loc': ('body',), 'msg': ${pyStr(`Value error, ${message}`)}, 'input': ${pyRepr(input)}, 'ctx': {'error': ValueError(${pyStr(message)})}}]`
}

/** A pydantic field error (`missing`, `extra_forbidden`, `string_type`, ...). */
export function pydanticFieldError(type: string, loc: Array<string | number>, msg: string, input: unknown): string {
  const locRepr = `(${['body', ...loc].map((p) => (typeof p === 'number' ? String(p) : pyStr(p))).join(', ')})`
  return `[{'type': ${pyStr(type)}, 'loc': ${locRepr}, 'msg': ${pyStr(msg)}, 'input': ${pyRepr(input)}}]`
}
