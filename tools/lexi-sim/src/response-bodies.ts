/**
 * Response bodies in vLLM's field order. Non-stream bodies come from `model_dump()` (null fields
 * present); stream chunks from `model_dump_json(exclude_unset=True)` (only the fields vLLM sets).
 */

export interface Usage {
  prompt_tokens: number
  total_tokens: number
  completion_tokens: number
}

export const usageOf = (prompt: number, completion: number): Usage => ({
  prompt_tokens: prompt,
  total_tokens: prompt + completion,
  completion_tokens: completion,
})

export interface BodyHead {
  id: string
  created: number
  model: string
}

export function chatCompletionBody(h: BodyHead, text: string, finishReason: string, stopReason: string | null, usage: Usage): string {
  return JSON.stringify({
    id: h.id,
    object: 'chat.completion',
    created: h.created,
    model: h.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          refusal: null,
          annotations: null,
          audio: null,
          function_call: null,
          tool_calls: [],
          reasoning_content: null,
        },
        logprobs: null,
        finish_reason: finishReason,
        stop_reason: stopReason,
        token_ids: null,
      },
    ],
    service_tier: null,
    system_fingerprint: null,
    usage: { ...usage, prompt_tokens_details: null },
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  })
}

export function completionBody(h: BodyHead, text: string, finishReason: string, stopReason: string | null, usage: Usage): string {
  return JSON.stringify({
    id: h.id,
    object: 'text_completion',
    created: h.created,
    model: h.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: stopReason, prompt_logprobs: null }],
    usage: { ...usage, prompt_tokens_details: null },
    kv_transfer_params: null,
  })
}

const frame = (json: string): string => `data: ${json}\n\n`
export const DONE_FRAME = 'data: [DONE]\n\n'

/** Builds the SSE frames of one streamed request (chat or completions). */
export function createChunkWriter(route: 'chat' | 'completions', h: BodyHead) {
  const object = route === 'chat' ? 'chat.completion.chunk' : 'text_completion'
  const prefix = `{"id":${JSON.stringify(h.id)},"object":"${object}","created":${h.created},"model":${JSON.stringify(h.model)},"choices":[`
  const usageTail = (u: Usage | null): string => (u === null ? '' : `,"usage":${JSON.stringify(u)}`)
  return {
    role: (u: Usage | null): string =>
      route === 'chat' ? frame(`${prefix}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${usageTail(u)}}`) : '',
    delta(text: string, finish: { reason: string; stop: string | null } | null, u: Usage | null): string {
      const fin = finish === null ? '"finish_reason":null' : `"finish_reason":"${finish.reason}","stop_reason":${JSON.stringify(finish.stop)}`
      const body =
        route === 'chat'
          ? `{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,${fin}}`
          : `{"index":0,"text":${JSON.stringify(text)},"logprobs":null,${finish === null ? '"finish_reason":null,"stop_reason":null' : fin}}`
      return frame(`${prefix}${body}]${usageTail(u)}}`)
    },
    usage: (u: Usage): string => frame(`${prefix}]${usageTail(u)}}`),
  }
}
