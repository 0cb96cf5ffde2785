import { describe, expect, it } from 'vitest';
import { spirals } from '../../src/data/generated.js';
import type { LrSchedule } from '../../src/train/schedule.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

describe('a schedule that a stopped run goes on with (startEpoch)', () => {
  const schedules: [string, LrSchedule][] = [
    ['cosine after a 3-epoch warm-up', { name: 'cosine', minLr: 1e-4, warmupEpochs: 3 }],
    ['step decay every 2 epochs', { name: 'step', everyEpochs: 2, gamma: 0.5 }],
  ];
  for (const [what, schedule] of schedules) {
    it(`${what}: stopped after epoch 4 of 9, saved, loaded and resumed with startEpoch 4, it trains as the run that was not stopped`, async () => {
      const rt = runtime();
      const train = spirals({ rows: 300, seed: 1 });
      const options = { batchSize: 50, optimizer: { name: 'adam' as const, lr: 0.02 } };
      const whole = rt.createNetwork({ sizes: [2, 12, 2], seed: 0 });
      const wholeReports = await whole.fit(train, { ...options, epochs: 9, schedule });
      // Stopped after its fourth epoch (as Ctrl-C would), then saved and loaded.
      const stop = new AbortController();
      const again = rt.createNetwork({ sizes: [2, 12, 2], seed: 0 });
      await again.fit(train, { ...options, epochs: 9, schedule, signal: stop.signal, onEpoch: (r) => void (r.epoch === 4 && stop.abort()) });
      expect(again.history).toHaveLength(4);
      const resumed = rt.loadNetwork(await rt.saveNetwork(again));
      const rest = await resumed.fit(train, { ...options, epochs: 5, schedule: { ...schedule, startEpoch: 4 } });
      expect(rest.map((r) => r.lr)).toEqual(wholeReports.slice(4).map((r) => r.lr));
      expect(await resumed.getParameters()).toEqual(await whole.getParameters());
      // Without startEpoch the schedule starts again: other rates, other weights.
      const restarted = rt.loadNetwork(await rt.saveNetwork(again));
      const other = await restarted.fit(train, { ...options, epochs: 5, schedule });
      expect(other.map((r) => r.lr)).not.toEqual(rest.map((r) => r.lr));
      for (const net of [whole, again, resumed, restarted]) net.destroy();
    });
  }
});
