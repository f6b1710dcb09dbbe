-- Shared by every script of the job (prepended when loaded).
local function now() local t = redis.call('TIME') return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local function owns(leases, unit, worker, epoch)
  return redis.call('HGET', leases, unit .. ':o') == worker and redis.call('HGET', leases, unit .. ':e') == epoch
end
