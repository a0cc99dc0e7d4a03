import { cpus, freemem, loadavg, totalmem } from 'node:os'

export interface Machine {
  cores: number
  cpu_model: string
  memory_gb: number
  free_memory_gb: number
  node: string
  platform: string
  /** 1-minute load average when the run started: above the core count means other work shared the CPUs. */
  load_1m: number
}

const gb = (bytes: number): number => Math.round((bytes / 2 ** 30) * 10) / 10

/** What a benchmark figure was measured on. */
export function machineInfo(): Machine {
  const list = cpus()
  return {
    cores: list.length,
    cpu_model: list[0]?.model.trim() ?? 'unknown',
    memory_gb: gb(totalmem()),
    free_memory_gb: gb(freemem()),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    load_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  }
}

export const describeMachine = (m: Machine): string => `${m.cores} cores (${m.cpu_model}), ${m.memory_gb} GB, node ${m.node}, load ${m.load_1m}`
