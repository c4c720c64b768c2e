-- GCRA (the generic cell rate algorithm), one request per call, decided as governor
-- decides it, so a limit means the same with or without Redis.
--
-- KEYS[1]  the client's key: its theoretical arrival time (TAT), in microseconds since
--          the Unix epoch, as decimal text; missing when the client is fully recovered
-- ARGV[1]  the replenish interval T, in whole microseconds (one more request every T)
-- ARGV[2]  the burst B (requests allowed at once)
--
-- Returns { allowed (1 or 0), remaining, retry_after (us), now (us) }.
--
-- All times are integers in microseconds. Lua numbers are doubles: integers are exact up
-- to 2^53, and microseconds since the epoch are about 2^51 (Rust bounds B * T to a year).

local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
-- How far ahead of now the TAT may be and a request still pass: B - 1 requests' worth.
local tolerance = interval * (burst - 1)

-- Redis's clock, not the caller's: every replica decides by the same clock.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

-- No key: a client never seen, or fully recovered; governor starts it at TAT = now.
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then
    tat = tonumber(stored) or now
end

-- governor: refused when now < TAT - tolerance; the state is left as it was, and the
-- request may pass at TAT - tolerance.
local allow_at = tat - tolerance
if now < allow_at then
    return { 0, 0, allow_at - now, now }
end

-- governor: TAT' = max(TAT, now) + T.
local new_tat = math.max(tat, now) + interval
-- The key lives until the client is fully recovered (TAT' <= now: the same as no key),
-- then expires by itself: nothing to scan or clean. Rounded up to the millisecond and one
-- more, so it never expires before TAT' by Redis's millisecond expiry clock (which may
-- read up to a millisecond behind TIME inside a script).
local ttl_ms = math.ceil((new_tat - now) / 1000) + 1
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl_ms)

-- governor's remaining burst capacity: whole requests that would pass now after this one.
local remaining = math.floor((now + tolerance + interval - new_tat) / interval)
return { 1, remaining, 0, now }
