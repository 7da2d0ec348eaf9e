import { Worker } from 'node:worker_threads';

/** One `/healthz` request: when it was sent and answered (ms since the epoch, sub-ms), and its status (0: failed). */
export interface HealthPoll {
  start: number;
  end: number;
  status: number;
}

export interface HealthWindow {
  /** Polls that were in flight at any moment between begin and end. */
  polls: HealthPoll[];
  /** The slowest of them (ms). */
  maxMs: number;
}

export interface HealthMonitor {
  /** Marks the start of a case; resolves once a poll is in flight (so at least one overlaps the case). */
  begin(): Promise<void>;
  /** Marks its end, waits until every poll in flight has answered, and returns the polls that overlapped. */
  end(): Promise<HealthWindow>;
  close(): Promise<void>;
}

/**
 * Polls `GET <url>/healthz` one request at a time, 2 ms apart, each on a fresh connection (so accepting it
 * is measured too), from a worker thread: its event loop is not the test's, so what it measures is the
 * gateway process's answer time, not this process's own load (the sandbox and the case's client run on
 * the main thread). `begin` makes sure a poll is in flight before the case sends anything.
 */
export function startHealthMonitor(url: string): HealthMonitor {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const now = () => performance.timeOrigin + performance.now();
    let stopped = false;
    let inFlight = false;
    let timer;
    parentPort.on('message', (message) => {
      if (message === 'stop') stopped = true;
      // 'begin': a poll must be in flight now; start one at once if the loop is between two.
      if (message === 'begin') {
        if (!inFlight) { clearTimeout(timer); poll(); }
        parentPort.postMessage({ begun: true });
      }
    });
    const next = () => { inFlight = false; timer = setTimeout(poll, 2); };
    const poll = () => {
      if (stopped) return parentPort.close();
      inFlight = true;
      const start = now();
      const req = http.get(workerData.url + '/healthz', { agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => { parentPort.postMessage({ start, end: now(), status: res.statusCode }); next(); });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => { parentPort.postMessage({ start, end: now(), status: 0 }); next(); });
    };
    poll();
  `;
  const worker = new Worker(source, { eval: true, workerData: { url } });
  const polls: HealthPoll[] = [];
  const waiters: (() => void)[] = [];
  let begun: (() => void) | undefined;
  worker.on('message', (message: HealthPoll | { begun: true }) => {
    if ('begun' in message) return begun?.();
    const poll = message;
    polls.push(poll);
    if (polls.length > 10_000) polls.splice(0, 5_000);
    for (const wake of waiters.splice(0)) wake();
  });
  const now = () => performance.timeOrigin + performance.now();
  let began = 0;

  return {
    async begin() {
      // The window opens before the worker is asked: the poll in flight when it reads the message (or the
      // one it starts then) ends inside the window.
      began = now();
      await new Promise<void>((resolve) => {
        begun = resolve;
        worker.postMessage('begin');
      });
    },
    async end() {
      const ended = now();
      // Every poll sent before the end has answered once a poll sent after the end has been sent, i.e.
      // once the newest reported poll started after `ended` (polls are sequential).
      const deadline = Date.now() + 10_000;
      while ((polls[polls.length - 1]?.start ?? 0) <= ended && Date.now() < deadline) {
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 1000);
        });
      }
      const overlapping = polls.filter((poll) => poll.start < ended && poll.end > began);
      return { polls: overlapping, maxMs: Math.max(0, ...overlapping.map((poll) => poll.end - poll.start)) };
    },
    async close() {
      worker.postMessage('stop');
      await worker.terminate();
    },
  };
}
