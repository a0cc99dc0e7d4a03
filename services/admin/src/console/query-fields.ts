import { z } from 'zod'

/** A positive id as a query or path string (`before=123`, `/decisions/123`). */
export const IdField = z.coerce.number().int('expected an integer id').positive('expected a positive id').max(Number.MAX_SAFE_INTEGER)

/** The keyset page of a console list: `limit` rows (1–200, 50 by default) with an id below `before`. */
export const pageFields = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Keyset cursor: only rows with a smaller id (the previous page's next_before). */
  before: IdField.optional(),
}
