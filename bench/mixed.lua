-- A mixed clinic workload for wrk: 70 % reads, 30 % writes, as a nurse's
-- API token. Reads: a patient's record, their conditions, a search by
-- name. Writes: a condition added to a patient's intake. Patient ids come
-- from the PATIENTS environment variable (comma separated); the token from
-- TOKEN. Any answer other than 200/201 is counted and printed at the end.

local patients = {}
local token = os.getenv("TOKEN")
local names = { "a", "ha", "om", "la", "sa", "fa", "ma", "no" }
local errors = 0
local counter = 0

for id in string.gmatch(os.getenv("PATIENTS") or "", "[^,]+") do
  table.insert(patients, id)
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local patient = patients[math.random(#patients)]
  local roll = math.random(100)
  if roll <= 30 then
    local body = string.format('{"name":"Load test condition %d","status":"active"}', counter)
    return wrk.format("POST", "/api/v1/patients/" .. patient .. "/conditions", nil, body)
  elseif roll <= 60 then
    return wrk.format("GET", "/api/v1/patients/" .. patient)
  elseif roll <= 85 then
    return wrk.format("GET", "/api/v1/patients/" .. patient .. "/conditions")
  else
    return wrk.format("GET", "/api/v1/patients?q=" .. names[math.random(#names)] .. "&limit=10")
  end
end

function response(status, headers, body)
  if status ~= 200 and status ~= 201 then
    errors = errors + 1
    if errors <= 3 then
      io.stderr:write("unexpected status " .. status .. ": " .. string.sub(body, 1, 200) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f non2xx=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    s.status, s.connect, s.read, s.write, s.timeout, s.status))
end
