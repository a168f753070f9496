// Preloaded into a `serve` process by bench/startup.ts (`node --require loop-probe.js …`): reports
// the longest event-loop block over IPC, so the first query's block is read from outside the code
// under test, the same for the tsc output and the bundle.
import { monitorEventLoopDelay } from 'node:perf_hooks';

type ProbeMessage = { probe: 'reset' } | { probe: 'read' };

// 1 ms resolution: the blocks of interest are 10 ms and more.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
process.on('message', (m: ProbeMessage) => {
  if (m.probe === 'reset') {
    loop.reset();
    process.send?.({ probe: 'reset' });
  } else {
    process.send?.({ probe: 'read', maxBlockMs: loop.max / 1e6 });
  }
});
// The IPC channel must not keep `serve` alive after SIGTERM.
process.channel?.unref();
