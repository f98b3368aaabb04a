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
 * "someone waits" mark, KEYS[4..] the caller's peek keys (what the call would find kept: one hash slot
 * with the rest, one tag); ARGV[1] my id, ARGV[2] lock TTL (ms), ARGV[3] the id waited for ('' on the
 * first step), ARGV[4] '1' to look at the peek keys before taking the lock.
 * Returns {2, payload} when that call's result is there; with ARGV[4] = '1', {3, '', values…} when a
 * peek key holds a value (no lock taken: the caller judges them); {1, my id, values…} when I now hold
 * the lock (the first caller, or the one waiter that found an expired lock), with the peek keys' values
 * as they were when I took it (false for an absent one: a nil would end the reply); else {0, the
 * holder's id}, and then marks that someone waits, so the holder's release publishes (see LOCK_RELEASE).
 */
export const LOCK_STEP = `
if ARGV[3] ~= '' then
  local r = redis.call('GET', KEYS[2])
  if r then return {2, r} end
end
local peeked = nil
if #KEYS > 3 and ARGV[4] == '1' then
  peeked = redis.call('MGET', unpack(KEYS, 4))
  for i = 1, #peeked do
    if peeked[i] then return {3, '', unpack(peeked)} end
  end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if #KEYS > 3 then
    peeked = peeked or redis.call('MGET', unpack(KEYS, 4))
    return {1, ARGV[1], unpack(peeked)}
  end
  return {1, ARGV[1]}
end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return {0, redis.call('GET', KEYS[1])}
`;

/** Keeps a held lock alive. KEYS[1] lock; ARGV[1] my id, ARGV[2] TTL (ms). 1 if still mine. */
export const LOCK_EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/**
 * Ends a finished call, when nobody waits for it. KEYS[1] lock, KEYS[2] the "someone waits" mark; ARGV[1]
 * my id. While the lock is mine and nobody marked that it waits: the lock is released and that is all
 * (returns 0). No waiter looks for the result, and a caller that comes later makes its own call: most
 * calls, under distinct callers, end here, with one write and without sending their result to Redis.
 * Otherwise (a waiter marked, or the lock expired and another caller took it: some may still wait for
 * me) returns 1, leaving everything as it is: the caller hands the result over with LOCK_HAND_OVER. A
 * waiter marks in the step that finds the lock held, before it subscribes: a release that finds no mark
 * has no waiter to serve, and a caller whose step comes after it finds no lock and takes it.
 */
export const LOCK_RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
return 1
`;

/**
 * Hands a finished call's result to its waiters. KEYS[1] lock, KEYS[2] result, KEYS[3] the "someone
 * waits" mark; ARGV[1] my id, ARGV[2] payload, ARGV[3] how long waiters may still pick it up (ms).
 * Stores the result, releases the lock (and its mark) if it is still mine (a mark set after another
 * caller took an expired lock is for that caller's waiters), and wakes the waiters, subscribed to the
 * lock key's channel. In a cluster every PUBLISH goes to every node: only a call someone waits for
 * publishes.
 */
export const LOCK_HAND_OVER = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('DEL', KEYS[3])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
`;
