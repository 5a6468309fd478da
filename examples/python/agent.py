"""A workspace agent's posture toward the control plane, standard library only.

Register (bootstrap with the join token, or none), save a minted token before
anything else, heartbeat with it; 401/403 and final result codes end the run;
503s and network failures are retried with capped, jittered backoff.
"""
import json, os, random, signal, sys, time, urllib.error, urllib.request

URL, WS = os.environ["CONTROL_PLANE_URL"], os.environ["WORKSPACE_ID"]
TOKEN_FILE = os.environ.get("TOKEN_FILE", "instance-token")
INTERVAL = float(os.environ.get("HEARTBEAT_INTERVAL", "30"))
FINAL = {"WORKSPACE_FAILED": 3, "PLATFORM_AGENT_IDENTITY_GATE": 3, "NOT_FOUND": 3, "VALIDATION_FAILED": 4}
REGISTER = "mutation($i: RegisterWorkspaceInput!) { registerWorkspace(input: $i) { __typename ... on RegisterWorkspaceSuccess { authToken } ... on RequestError { code message } } }"
BEAT = "mutation($i: HeartbeatInput!) { heartbeat(input: $i) { __typename ... on RequestError { code message } } }"
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

def call(query, token, attempt=0):
    body = json.dumps({"query": query, "variables": {"i": {"workspaceId": WS}}}).encode()
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(URL, body, headers), timeout=10) as r:
            result = next(iter(json.load(r)["data"].values()))
    except urllib.error.HTTPError as e:
        if e.code in (401, 403): sys.exit(f"refused for good ({e.code}): stopping")  # exit 1
        if e.code not in (429, 503): raise
        result = None
    except (urllib.error.URLError, OSError): result = None
    if result is None:  # retry: capped, jittered backoff
        time.sleep(random.uniform(0, min(30, 0.5 * 2 ** attempt))); return call(query, token, attempt + 1)
    if "code" in result: print(result["message"], file=sys.stderr); sys.exit(FINAL.get(result["code"], 5))
    return result

saved = open(TOKEN_FILE).read().strip() if os.path.exists(TOKEN_FILE) else None
minted = call(REGISTER, saved or os.environ.get("WORKSPACE_JOIN_TOKEN")).get("authToken")
if minted:  # saved atomically before anything else: a lost token locks the agent out
    fd = os.open(TOKEN_FILE + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, minted.encode()); os.fsync(fd); os.close(fd); os.replace(TOKEN_FILE + ".tmp", TOKEN_FILE)
while True:
    call(BEAT, minted or saved); time.sleep(INTERVAL)
