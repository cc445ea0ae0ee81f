-- client_credentials as a random one of N configured clients per request, to see whether
-- the number of clients in the config changes the cost of finding one.
--   wrk -s clients.lua URL -- N 'grant_type=client_credentials&client_id=CLIENT&…'
function init(args)
    count = tonumber(args[1])
    template = args[2]
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 1000)
end

function request()
    local body = template:gsub("CLIENT", string.format("client-%06d", math.random(0, count - 1)))
    return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
