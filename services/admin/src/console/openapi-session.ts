import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import { CSRF_HEADER } from './session-auth'
import { SESSION_COOKIE } from './session-store'

/**
 * The admin OpenAPI options with the console's session cookie as a second way in: every route
 * accepts the bearer token or the cookie (state changes with the cookie also need the CSRF header).
 */
export function withSessionCookie(options: FastifyDynamicSwaggerOptions): FastifyDynamicSwaggerOptions {
  const openapi = options.openapi ?? {}
  // The spread of a union of OpenAPI 3.0/3.1 document types does not narrow back to one.
  return {
    ...options,
    openapi: {
      ...openapi,
      components: {
        ...openapi.components,
        securitySchemes: {
          ...openapi.components?.securitySchemes,
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: `Set by POST /console/session. POST, PUT, PATCH and DELETE made with it also need the header ${CSRF_HEADER} (403 CSRF otherwise).`,
          },
        },
      },
      security: [...(openapi.security ?? []), { sessionCookie: [] }],
    } as FastifyDynamicSwaggerOptions['openapi'],
  }
}
