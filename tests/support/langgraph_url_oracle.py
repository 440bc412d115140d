"""Checks every `langgraph:` case of tests/fixtures/url-policy.json against langgraph-api 0.16.7's own
validate_webhook_url_or_raise (not run in CI: it needs the wheel). Usage:
  pip download --no-deps langgraph-api==0.16.7 -d /tmp/lg && unzip -q /tmp/lg/*.whl -d /tmp/lg
  python3 tests/support/langgraph_url_oracle.py /tmp/lg
LangGraph's imports that need no code of its own (structlog, starlette, its config) are stubbed;
names resolve to a public address (93.184.216.34), IP literals to themselves. A case passes when
LangGraph's message equals the fixture's `langgraph` field if present (a documented deliberate
difference), else its `error`."""
import sys, types, json, asyncio, socket
root = sys.argv[1]
def stub(name, **attrs):
    m = types.ModuleType(name); m.__dict__.update(attrs); sys.modules[name] = m; return m
class _Log:
    def __getattr__(self, _): return lambda *a, **k: None
stub('structlog', get_logger=lambda *a, **k: _Log(), stdlib=types.SimpleNamespace(get_logger=lambda *a, **k: _Log()))
class HTTPException(Exception):
    def __init__(self, status_code, detail): self.status_code, self.detail = status_code, detail
stub('starlette'); stub('starlette.exceptions', HTTPException=HTTPException)
pkg = stub('langgraph_api'); pkg.__path__ = [root + '/langgraph_api']
cfg = stub('langgraph_api.config', HTTP_CONFIG=None, WEBHOOKS_CONFIG=None)
stub('langgraph_api.config.schemas', WebhookUrlPolicy=dict)
stub('langgraph_api.http', ensure_webhook_http_client=None, get_loopback_client=None, http_request=None)
stub('langgraph_api.serde', json_dumpb=None, json_loads=None)
stub('langgraph_api.lc_security.transport', SSRFSafeTransport=None, ssrf_safe_async_client=None)

real = socket.getaddrinfo
def fake(host, port, *a, **k):
    try:
        return real(host, port, *a, flags=socket.AI_NUMERICHOST, **{kk: v for kk, v in k.items() if kk != 'flags'})
    except socket.gaierror:
        pass
    try:  # inet_aton forms (127.1, 0x7f000001) as glibc's getaddrinfo accepts them
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', (socket.inet_ntoa(socket.inet_aton(host)), port))]
    except OSError:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', ('93.184.216.34', port))]
socket.getaddrinfo = fake
import langgraph_api.webhook as wh
import pathlib
fixture = json.loads((pathlib.Path(__file__).parent.parent / 'fixtures' / 'url-policy.json').read_text())
failures = 0
checked = 0
for case in fixture['urls']:
    if not case['name'].startswith('langgraph:'):
        continue
    config = {'require_https': True, 'disable_loopback': True, 'disable_private_ips': False, 'max_url_length': 2048}
    config.update({k: v for k, v in case['policy'].items() if k != 'profile'})
    cfg.WEBHOOKS_CONFIG = {'url': config}
    wh.WEBHOOKS_CONFIG = cfg.WEBHOOKS_CONFIG
    wh._get_webhook_config.cache_clear()
    try:
        asyncio.run(wh.validate_webhook_url_or_raise(case['url']))
        got = None
    except HTTPException as e:
        got = e.detail
    want = case['langgraph'] if 'langgraph' in case else case['error']
    checked += 1
    if got != want:
        failures += 1
        print(f"MISMATCH {case['name']}: LangGraph {got!r}, fixture {want!r}")
print(f"{checked} langgraph cases checked, {failures} mismatches")
sys.exit(1 if failures else 0)
