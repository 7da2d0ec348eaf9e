import { classifyRedisError } from '../../../src/store/classifyRedisError';

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('classifyRedisError', () => {
  test.each([
    [new Error('connect ECONNREFUSED 127.0.0.1:6379'), 'unavailable'],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'unavailable'],
    [new Error('Command timed out'), 'unavailable'],
    ['not even an Error', 'unavailable'],
    [replyError('LOADING Redis is loading the dataset in memory'), 'unavailable'],
    [replyError('CLUSTERDOWN The cluster is down'), 'unavailable'],
    [replyError('READONLY You can\'t write against a read only replica.'), 'unavailable'],
    [replyError('OOM command not allowed when used memory > \'maxmemory\'.'), 'unavailable'],
    [replyError('NOAUTH Authentication required.'), 'unavailable'],
    [replyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'rejected'],
    [replyError('ERR value is not an integer or out of range'), 'rejected'],
    [replyError('ERR invalid expire time in \'set\' command'), 'rejected'],
  ])('when Redis fails with %p, then it is %p', (error, kind) => {
    expect(classifyRedisError(error)).toBe(kind);
  });
});
