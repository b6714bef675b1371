-- wrk script for `just bench-hook`: POSTs the guide's call for a patient
-- (Okta's documented request, minting an ID token for jessie.smith).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic YWRtaW46c3VwZXJzZWNyZXQ="
local file = io.open("shared/tests/fixtures/okta-reference-request.json", "r")
wrk.body = file:read("*a"):gsub("administrator1@clouditude.net", "jessie.smith@example.com")
file:close()

-- Every answer must be the 200 with the command; count anything else.
local unexpected = 0
response = function(status, headers, body)
  if status ~= 200 then unexpected = unexpected + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("p50 %.0f us, p99 %.0f us, max %.0f us, non-200 answers %d\n",
    latency:percentile(50), latency:percentile(99), latency.max, unexpected))
end
