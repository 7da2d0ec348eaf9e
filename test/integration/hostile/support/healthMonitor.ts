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
  /** Marks the start of a case. */
  begin(): void;
  /** Marks its end, waits until every poll in flight has answered, and returns the polls that overlapped. */
  end(): Promise<HealthWindow>;
  close(): Promise<void>;
}

/**
 * Polls `GET <url>/healthz` without pause (one request at a time, a fresh connection each: a kept-alive
 * socket could queue behind nothing here, but a new one shows accept latency too) from a worker thread: its
 * event loop is not the test's, so what it measures is the gateway process's answer time, not this
 * process's own load (the sandbox and the case's client run on the main thread).
 */
export function startHealthMonitor(url: string): HealthMonitor {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const now = () => performance.timeOrigin + performance.now();
    let stopped = false;
    parentPort.on('message', (message) => { if (message === 'stop') stopped = true; });
    const poll = () => {
      if (stopped) return parentPort.close();
      const start = now();
      const req = http.get(workerData.url + '/healthz', { agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => { parentPort.postMessage({ start, end: now(), status: res.statusCode }); setTimeout(poll, 2); });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => { parentPort.postMessage({ start, end: now(), status: 0 }); setTimeout(poll, 2); });
    };
    poll();
  `;
  const worker = new Worker(source, { eval: true, workerData: { url } });
  const polls: HealthPoll[] = [];
  const waiters: (() => void)[] = [];
  worker.on('message', (poll: HealthPoll) => {
    polls.push(poll);
    if (polls.length > 10_000) polls.splice(0, 5_000);
    for (const wake of waiters.splice(0)) wake();
  });
  const now = () => performance.timeOrigin + performance.now();
  let began = 0;

  return {
    begin() {
      began = now();
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
