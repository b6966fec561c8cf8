"""Python peers of the HTTP middleware's interop test, written with the OpenTelemetry
Python SDK and the standard library's HTTP client and server.

`client URL`: sends one GET to URL from inside a client span, with that span's W3C
`traceparent` and a `baggage` entry injected; prints one JSON object with the span's
ids and the response body.

`server`: serves one request on a free loopback port (the port is the first line on
stdout), continues the context its headers carry in a server span, answers with
what it received as JSON, and exits."""

import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from opentelemetry import baggage, context, propagate, trace
from opentelemetry.sdk.trace import TracerProvider

provider = TracerProvider()
tracer = provider.get_tracer("interop-http-peer")


def ids(span):
    ctx = span.get_span_context()
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def client(url):
    token = context.attach(baggage.set_baggage("tenant", "gold"))
    try:
        with tracer.start_as_current_span("GET", kind=trace.SpanKind.CLIENT) as span:
            headers = {}
            propagate.inject(headers)
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                body = json.loads(response.read())
            trace_id, span_id = ids(span)
    finally:
        context.detach(token)
    json.dump({"trace_id": trace_id, "span_id": span_id, "response": body}, sys.stdout)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        headers = {k.lower(): v for k, v in self.headers.items()}
        parent = propagate.extract(headers)
        parent_span = trace.get_current_span(parent).get_span_context()
        with tracer.start_as_current_span(
            "GET /python", context=parent, kind=trace.SpanKind.SERVER
        ) as span:
            trace_id, span_id = ids(span)
        body = json.dumps(
            {
                "trace_id": trace_id,
                "parent_span_id": format(parent_span.span_id, "016x"),
                "parent_is_remote": parent_span.is_remote,
                "baggage": dict(baggage.get_all(parent)),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def server():
    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    print(httpd.server_address[1], flush=True)
    httpd.handle_request()


if sys.argv[1] == "client":
    client(sys.argv[2])
else:
    server()
