import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpSetupError } from './http-setup-error'
import { tokenAuth } from './token-auth'

/** onRequest hook requiring `Authorization: Bearer <token>` for one token, named `name` or by its fingerprint (see tokenAuth). */
export function bearerAuth(token: string, name: string | null = null): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (token.length === 0) throw new HttpSetupError('bearerAuth needs a non-empty token')
  return tokenAuth([{ name, token }])
}

/**
 * Who to record in audit_log: the name of the bearer token that authenticated the request
 * (`request.principal`), never a header the caller chooses; `anonymous` when none did.
 */
export function actorOf(request: FastifyRequest): string {
  return request.principal ?? 'anonymous'
}
