// Lua scripts for the Redis store: each is one atomic step, so replicas never race between a read
// and a write. Registered with ioredis defineCommand (EVALSHA, with EVAL when the script cache is cold).

/**
 * Fixed window that opens at the first hit. KEYS[1] counter; ARGV[1] limit, ARGV[2] window (ms).
 * Returns {1, 0} when allowed, else {0, ms until the window closes}.
 */
export const HIT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if n <= tonumber(ARGV[1]) then return {1, 0} end
return {0, ttl}
`;

/**
 * One coalescing step. KEYS[1] lock, KEYS[2] result of the call being waited for; ARGV[1] my id,
 * ARGV[2] lock TTL (ms), ARGV[3] the id waited for ('' on the first step).
 * Returns {2, payload} when that call's result is there, {1, my id} when I now hold the lock (the
 * first caller, or the one waiter that found an expired lock), else {0, the holder's id}.
 */
export const LOCK_STEP = `
if ARGV[3] ~= '' then
  local r = redis.call('GET', KEYS[2])
  if r then return {2, r} end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ARGV[1]} end
return {0, redis.call('GET', KEYS[1])}
`;

/** Keeps a held lock alive. KEYS[1] lock; ARGV[1] my id, ARGV[2] TTL (ms). 1 if still mine. */
export const LOCK_EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/**
 * Publishes a finished call. KEYS[1] lock, KEYS[2] result; ARGV[1] my id, ARGV[2] payload,
 * ARGV[3] how long waiters may still pick it up (ms). Releases the lock only if it is still mine,
 * and wakes the waiters (subscribed to the lock key's channel).
 */
export const LOCK_RELEASE = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
`;
