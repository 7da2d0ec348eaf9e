import { ErrorCode, GatewayError } from '../../src/errors/gatewayError';
import type { Store } from '../../src/store/store';

export interface CountingStore {
  /** The store to hand the gateway: every call goes on to the inner one. */
  store: Store;
  /** One entry a store call while recording: `method key` (a call with several keys joins them with commas). */
  calls: string[];
  /** One entry a key touched while recording: `method key` (a call with several keys adds one each). */
  touched: string[];
  setRecording(on: boolean): void;
  /** While down, every call but close() rejects with STORE_UNAVAILABLE, as an unreachable store does. */
  setDown(on: boolean): void;
}

/** A real store (Redis) that records what the gateway asks of it while `recording` is on, and can play unreachable. */
export function createCountingStore(inner: Store): CountingStore {
  const calls: string[] = [];
  const touched: string[] = [];
  let recording = false;
  let down = false;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (down && property !== 'close') return Promise.reject(new GatewayError(ErrorCode.STORE_UNAVAILABLE, 'the store is down (test)'));
        if (recording) {
          const keys = Array.isArray(args[0]) ? (args[0] as unknown[]) : [args[0]];
          calls.push(`${String(property)} ${keys.map(String).join(',')}`);
          for (const key of keys) touched.push(`${String(property)} ${String(key)}`);
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls, touched, setRecording: (on) => void (recording = on), setDown: (on) => void (down = on) };
}
