// One short training run that grows, shared by the page and the Web Worker of the browser
// suite: the same run in both must give the same network, bit for bit.
import { type Runtime, spirals } from '/senn.js';

export interface GrowingRun {
  adapter: string;
  sizes: number[];
  params: number;
  valAccuracy: number;
  /** Outputs on 64 probe points. */
  outputs: Float32Array;
}

export async function growingRun(rt: Runtime): Promise<GrowingRun> {
  const net = rt.createNetwork({ sizes: [2, 8, 2], seed: 0, expandable: [1, 2] });
  try {
    const reports = await net.fit(spirals({ rows: 600, seed: 5 }), {
      optimizer: { name: 'adam', lr: 0.01 },
      batchSize: 50,
      epochs: 16,
      validation: spirals({ rows: 200, seed: 6 }),
      // A loss-change threshold of 1 expands as soon as the 2-epoch window is full.
      expansion: { window: 2, minEpochsBetween: 3, deleteAfter: 1, lossChangeThreshold: 1, chooseThreshold: 0.5, exactSplit: 'signed' },
    });
    return {
      adapter: rt.gpu.adapterName,
      sizes: net.structure.sizes,
      params: net.parameterCount,
      valAccuracy: reports[reports.length - 1]!.valAccuracy,
      outputs: await net.predict(spirals({ rows: 64, seed: 7 })),
    };
  } finally {
    net.destroy();
  }
}
