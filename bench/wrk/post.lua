-- POSTs one form body on every request: keep-alive, fixed connections.
--   wrk -s post.lua URL -- 'grant_type=client_credentials&client_id=…'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function init(args)
    wrk.body = args[1]
end
