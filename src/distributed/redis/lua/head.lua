-- Shared by every script of the job (prepended when loaded).
local function now() local t = redis.call('TIME') return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
-- A unit's lease hash: o owner, e epoch, x expiry (server ms). It lives in the unit's own hash slot.
local function owns(lease, worker, epoch)
  return redis.call('HGET', lease, 'o') == worker and redis.call('HGET', lease, 'e') == epoch
end
