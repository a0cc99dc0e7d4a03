import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { LLM_ERROR_TEXT, LlmUpstreamError } from './errors'
import { streamFrameError } from './to-llm-error'
import type { ChatCompletionChunk } from './wire'

/**
 * The chat completion chunks of a `text/event-stream` body (eventsource-parser does the framing).
 * `data: [DONE]` ends the stream (the rest of the body is still read, so the socket can be reused);
 * an in-band error frame (`data: {"error":{...}}`, or an `event: error`) throws its typed error;
 * a frame that is not JSON is an upstream failure. A broken socket throws undici's error, which the
 * runner maps (to-llm-error.ts).
 */
export async function* sseChunks(body: AsyncIterable<Uint8Array>): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let events: EventSourceMessage[] = []
  const parser = createParser({
    onEvent: (e) => {
      events.push(e)
    },
  })
  const decoder = new TextDecoder()
  let done = false
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }))
    if (done || events.length === 0) continue
    const batch = events
    events = []
    for (const e of batch) {
      if (e.data.startsWith('[DONE]')) {
        done = true
        break
      }
      let json: unknown
      try {
        json = JSON.parse(e.data)
      } catch {
        throw new LlmUpstreamError(LLM_ERROR_TEXT.streamBroken(`a frame is not JSON: ${e.data.slice(0, 200)}`))
      }
      const error = (json as { error?: unknown } | null)?.error
      if (e.event === 'error' || (error !== undefined && error !== null)) throw streamFrameError(error ?? json)
      yield json as ChatCompletionChunk
    }
  }
}
