// Lua scripts for the Redis store: each is one atomic step, so replicas never race between a read
// and a write. Registered with ioredis defineCommand (EVALSHA, with EVAL when the script cache is cold).

/**
 * GCRA, as gcra() in store.ts. KEYS[1] the theoretical arrival time (ms, a number); ARGV[1] limit,
 * ARGV[2] window (ms), ARGV[3] cost, ARGV[4] now (ms; '' = Redis's own clock, one clock for the fleet).
 * Returns {allowed 1|0, retry after (ms), rejected 1|0}. A stored time that is not a number, or further
 * ahead than a full window (no hit can put it there), was not written by us: it counts as absent and
 * the answer says so (the replica counts it in dbss_gateway_store_rejected_total).
 */
export const GCRA_HIT = `
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local rejected = 0
local raw = redis.call('GET', KEYS[1])
local tat = nil
if raw then
  tat = tonumber(raw)
  if not tat or tat > now + window + 1 then
    tat = nil
    rejected = 1
  end
end
if not tat or tat < now then tat = now end
local nxt = tat + tonumber(ARGV[3]) * window / limit
if nxt - now <= window + 0.001 then
  redis.call('SET', KEYS[1], string.format('%.17g', nxt), 'PX', math.max(1, math.ceil(nxt - now)))
  return {1, 0, rejected}
end
if rejected == 1 then redis.call('DEL', KEYS[1]) end
return {0, math.max(1, math.ceil(nxt - now - window)), rejected}
`;

/**
 * One coalescing step. KEYS[1] lock, KEYS[2] result of the call being waited for, KEYS[3] the lock's
 * "someone waits" mark (one hash slot: one tag); ARGV[1] my id, ARGV[2] lock TTL (ms), ARGV[3] the id
 * waited for ('' on the first step).
 * Returns {2, payload} when that call's result is there, {1, my id} when I now hold the lock (the
 * first caller, or the one waiter that found an expired lock), else {0, the holder's id}, and then
 * marks that someone waits, so the holder's release publishes (see LOCK_RELEASE).
 */
export const LOCK_STEP = `
if ARGV[3] ~= '' then
  local r = redis.call('GET', KEYS[2])
  if r then return {2, r} end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ARGV[1]} end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return {0, redis.call('GET', KEYS[1])}
`;

/** Keeps a held lock alive. KEYS[1] lock; ARGV[1] my id, ARGV[2] TTL (ms). 1 if still mine. */
export const LOCK_EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/**
 * Publishes a finished call. KEYS[1] lock, KEYS[2] result, KEYS[3] the "someone waits" mark; ARGV[1] my
 * id, ARGV[2] payload, ARGV[3] how long waiters may still pick it up (ms). Releases the lock only if it
 * is still mine, and wakes the waiters (subscribed to the lock key's channel) only if one marked that
 * it waits: in a cluster every PUBLISH goes to every node, and most calls have nobody waiting. A waiter
 * marks before it subscribes and looks for the result after, so it never misses the result whether the
 * release saw its mark or not.
 */
export const LOCK_RELEASE = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if redis.call('DEL', KEYS[3]) == 1 then redis.call('PUBLISH', KEYS[1], ARGV[1]) end
return 1
`;
