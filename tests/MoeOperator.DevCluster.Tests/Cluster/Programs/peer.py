"""A small pod program for the dev cluster's tests.

It serves HTTP on $POD_IP:$PORT (default 8080):
  GET /              -> "<hostname> <namespace>"
  GET /peer?host=H   -> what http://H:$PORT/ answers (resolving H through the pod's /etc/hosts)
  GET /file?path=P   -> the content of file P (to see mounted volumes)
  GET /api           -> the API server's /version, reached as the pod would in a cluster
SIGTERM makes it print "terminating" and exit 0.
"""
import json
import os
import signal
import socket
import ssl
import sys
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT = int(os.environ.get("PORT", "8080"))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        try:
            if url.path == "/":
                body = f"{socket.gethostname()} {os.environ.get('POD_NAMESPACE', '')}"
            elif url.path == "/peer":
                with urllib.request.urlopen(f"http://{query['host'][0]}:{PORT}/", timeout=5) as answer:
                    body = answer.read().decode()
            elif url.path == "/file":
                with open(query["path"][0]) as f:
                    body = f.read()
            elif url.path == "/api":
                body = api_version()
            else:
                self.send_error(404)
                return
            self.send_response(200)
        except Exception as error:  # the test reads the reason
            body = f"error: {error}"
            self.send_response(502)
        data = body.encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


def api_version():
    account = "/var/run/secrets/kubernetes.io/serviceaccount"
    context = ssl.create_default_context(cafile=f"{account}/ca.crt")
    with open(f"{account}/token") as f:
        token = f.read()
    host = os.environ["KUBERNETES_SERVICE_HOST"]
    port = os.environ["KUBERNETES_SERVICE_PORT"]
    request = urllib.request.Request(f"https://{host}:{port}/version", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, context=context, timeout=3) as answer:
        return json.loads(answer.read())["gitVersion"]


def stop(signum, frame):
    print("terminating", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
print(f"serving on {os.environ['POD_IP']}:{PORT}", flush=True)
HTTPServer((os.environ["POD_IP"], PORT), Handler).serve_forever()
