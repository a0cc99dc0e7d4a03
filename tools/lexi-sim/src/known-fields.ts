/** Request fields vLLM's pydantic models declare (protocol.py); anything else is "unknown". */

const SAMPLING = [
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'max_tokens',
  'n',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'user',
  'top_k',
  'min_p',
  'repetition_penalty',
  'length_penalty',
  'stop_token_ids',
  'include_stop_str_in_output',
  'ignore_eos',
  'min_tokens',
  'skip_special_tokens',
  'spaces_between_special_tokens',
  'truncate_prompt_tokens',
  'prompt_logprobs',
  'allowed_token_ids',
  'bad_words',
  'echo',
  'add_special_tokens',
  'priority',
  'request_id',
  'response_format',
  'logits_processors',
  'return_tokens_as_token_ids',
  'return_token_ids',
  'cache_salt',
  'vllm_xargs',
  'kv_transfer_params',
  'use_beam_search',
  'model',
  'logprobs',
]
const GUIDED = ['guided_json', 'guided_regex', 'guided_choice', 'guided_grammar', 'guided_decoding_backend', 'guided_whitespace_pattern']
const CHAT_ONLY = [
  'messages',
  'top_logprobs',
  'max_completion_tokens',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'add_generation_prompt',
  'continue_final_message',
  'documents',
  'chat_template',
  'chat_template_kwargs',
  'mm_processor_kwargs',
  'reasoning_effort',
  'structural_tag',
]
const COMPLETION_ONLY = ['prompt', 'best_of', 'suffix', 'prompt_embeds']

const cache = new Map<string, Set<string>>()

export function knownFields(route: 'chat' | 'completions', opts: { guided: boolean; structuredOutputs: boolean }): Set<string> {
  const key = `${route}:${opts.guided}:${opts.structuredOutputs}`
  let s = cache.get(key)
  if (s === undefined) {
    s = new Set([...SAMPLING, ...(route === 'chat' ? CHAT_ONLY : COMPLETION_ONLY)])
    if (opts.guided) for (const g of GUIDED) s.add(g)
    if (opts.structuredOutputs) s.add('structured_outputs')
    cache.set(key, s)
  }
  return s
}
