-- Collects the authorization codes of silent authorize redirects (the session cookie is
-- passed with -H), so the code-exchange run can redeem codes the real flow minted.
--   wrk -s mint.lua -H 'Cookie: …' 'URL/oauth/authorize?…&prompt=none' -- OUTPUT_FILE
local threads = {}
local output

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    codes = {}
end

function response(status, headers, body)
    local location = headers["Location"] or headers["location"]
    if status == 302 and location then
        local code = location:match("[?&]code=([^&]+)")
        if code then
            codes[#codes + 1] = code
        end
    end
end

function done(summary, latency, requests)
    local file = assert(io.open(os.getenv("BENCH_CODES_FILE"), "w"))
    for _, thread in ipairs(threads) do
        for _, code in ipairs(thread:get("codes")) do
            file:write(code, "\n")
        end
    end
    file:close()
end
