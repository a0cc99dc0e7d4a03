import { describe, expect, test } from 'vitest'
import { TradingBusyError } from '../src/errors'
import { createStateChangeQueue } from '../src/state-change-queue'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('createStateChangeQueue', () => {
  test('runs changes one at a time in arrival order, each with what is left of its budget', async () => {
    const q = createStateChangeQueue({ timeoutMs: 2000 })
    const log: string[] = []
    const budgets: number[] = []
    const change = (name: string) =>
      q.run(async (left) => {
        budgets.push(left)
        log.push(`${name}+`)
        await sleep(20)
        log.push(`${name}-`)
        return name
      })
    expect(await Promise.all([change('a'), change('b'), change('c')])).toEqual(['a', 'b', 'c'])
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-'])
    expect(budgets[0]).toBeGreaterThan(1900)
    expect(budgets[2]).toBeLessThan(budgets[0]! - 30)
    expect(q.size).toBe(0)
  })

  test('a change whose budget runs out while queued is refused without running; the ones behind it keep their order', async () => {
    const q = createStateChangeQueue({ timeoutMs: 100 })
    const ran: string[] = []
    const slow = q.run(async () => {
      await sleep(250)
      ran.push('slow')
    })
    const late = q.run(async () => {
      ran.push('late')
    })
    await expect(late).rejects.toBeInstanceOf(TradingBusyError)
    await expect(late).rejects.toMatchObject({ code: 'TRADING_ERR_BUSY', statusCode: 503 })
    await slow
    await q.run(async () => {
      ran.push('after')
    })
    expect(ran).toEqual(['slow', 'after'])
    expect(q.size).toBe(0)
  })

  test('a full queue refuses at once, and a failing change frees its turn', async () => {
    const q = createStateChangeQueue({ timeoutMs: 1000, maxWaiting: 2 })
    const first = q.run(async () => {
      await sleep(50)
      throw new Error('boom')
    })
    const second = q.run(async () => 'second')
    await expect(q.run(async () => 'third')).rejects.toBeInstanceOf(TradingBusyError)
    await expect(first).rejects.toThrow('boom')
    expect(await second).toBe('second')
  })
})
