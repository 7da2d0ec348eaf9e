import { isLockOwnerGone, type LockOwner } from '../../../src/store/dataDirLock';

const self: LockOwner = { pid: 100, processStartedAt: 1_000_000 };
const alive = new Set([200]);

describe('isLockOwnerGone', () => {
  test.each([
    ['another live process', { pid: 200, processStartedAt: 5 }, false],
    ['a dead process', { pid: 300, processStartedAt: 5 }, true],
    ['this very process', { pid: 100, processStartedAt: 1_000_400 }, false],
    ['an earlier process that had our pid (a restarted container)', { pid: 100, processStartedAt: 900_000 }, true],
  ])('when the lock names %s, then gone is %p', (_label, owner, gone) => {
    expect(isLockOwnerGone(owner, self, (pid) => alive.has(pid))).toBe(gone);
  });
});
