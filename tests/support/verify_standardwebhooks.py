"""Verifies runwire-signed messages with the PyPI `standardwebhooks` reference library.

Reads {name: {secret, body, headers}} as JSON on stdin and prints {name: "ok" | "rejected: <why>"}.
Bodies are passed as UTF-8 bytes, the way a web framework hands over the raw request body.
"""
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

results = {}
for name, case in json.load(sys.stdin).items():
    try:
        Webhook(case["secret"]).verify(case["body"].encode("utf-8"), case["headers"])
        results[name] = "ok"
    except WebhookVerificationError as error:
        results[name] = f"rejected: {error}"
print(json.dumps(results))
