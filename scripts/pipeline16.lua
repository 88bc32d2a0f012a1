-- wrk script for the scripts/bench-*.sh pipelined shape: 16 GET /plaintext
-- per write; wrk counts every answer.
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil, "/plaintext") end
  req = table.concat(r)
end
request = function() return req end
