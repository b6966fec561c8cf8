"""A peer written with the OpenTelemetry Python SDK, for semtrace's propagation
interop test. Reads a JSON object of W3C headers on stdin, continues that context in
a span of its own, sets a baggage entry, and prints one JSON object: what its span
recorded and the headers it would send on."""

import json
import sys

from opentelemetry import baggage, context, propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
tracer = provider.get_tracer("interop-peer")

incoming = json.load(sys.stdin)
parent = propagate.extract(incoming)
token = context.attach(baggage.set_baggage("tenant", "gold", context=parent))
try:
    with tracer.start_as_current_span("python-handler", kind=trace.SpanKind.SERVER):
        outgoing = {}
        propagate.inject(outgoing)
        received_baggage = dict(baggage.get_all(parent))
finally:
    context.detach(token)

span = exporter.get_finished_spans()[0]
json.dump(
    {
        "trace_id": format(span.context.trace_id, "032x"),
        "span_id": format(span.context.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "parent_is_remote": bool(span.parent and span.parent.is_remote),
        "sampled": span.context.trace_flags.sampled,
        "received_baggage": received_baggage,
        "outgoing": outgoing,
    },
    sys.stdout,
)
