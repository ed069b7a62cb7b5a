"""A local moto server and a fault-injecting HTTP proxy in front of it, for the AWS tests.

Everything runs on 127.0.0.1 over real HTTP: boto3 talks to the proxy (``AWS_ENDPOINT_URL``),
the proxy forwards to ``moto.server.ThreadedMotoServer`` and, when told, answers a request
itself with a fault instead: throttling, LimitExceeded, HTTP 500, an empty page that still
carries a token, a connection closed before the response or in the middle of its body,
an Insights query still "Running", a GetMetricData response split into two pages
(``PartialData`` + ``NextToken``) or answered with an ``InternalError`` result.
Credentials are dummies; nothing leaves the machine.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from moto.server import ThreadedMotoServer

logging.getLogger("werkzeug").setLevel(logging.ERROR)

#: Marker of the tokens of injected empty pages; the proxy maps them back.
EMPTY = "EMPTY-PAGE:"
#: Marker of the tokens of GetMetricData responses the proxy split in two pages.
PAGE = "SPLIT-PAGE:"

_ERRORS = {
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "limit": (400, "LimitExceededException", "Resource limit exceeded."),
    "500": (500, "InternalFailure", "We encountered an internal error."),
    "expired": (
        400,
        "ExpiredTokenException",
        "The security token included in the request is expired",
    ),
    "unknown_key": (
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    ),
}


@dataclass
class Fault:
    """Answer the ``skip + 1``-th request of operation ``op`` with ``kind``."""

    op: str
    kind: str
    skip: int = 0
    message: str = ""


@dataclass
class Proxy:
    """State shared with the handler: faults to inject and every operation seen."""

    target: tuple[str, int]
    faults: list[Fault] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    pages: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, op: str) -> Fault | None:
        with self.lock:
            self.seen.append(op)
            for i, f in enumerate(self.faults):
                if f.op != op:
                    continue
                if f.skip:
                    f.skip -= 1
                    return None
                del self.faults[i]
                self.injected.append(f"{op}:{f.kind}")
                return f
        return None

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.seen.clear()
            self.injected.clear()


def _operation(method: str, path: str, headers: Any, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if body and b"Action=" in body:
        return parse_qs(body.decode())["Action"][0]
    if method == "GET" and "list-type=2" in path:
        return "ListObjectsV2"
    if method == "GET" and path.count("/") >= 2:
        return "GetObject"
    return f"{method} {path.split('?')[0]}"


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _reply(
            self, status: int, body: bytes, ctype: str = "application/x-amz-json-1.1"
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            conn = http.client.HTTPConnection(*proxy.target, timeout=120)
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
            }
            headers["Host"] = f"{proxy.target[0]}:{proxy.target[1]}"
            headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            return resp.status, resp.getheaders(), data

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            op = _operation(self.command, self.path, self.headers, body)
            if op == "FilterLogEvents" and EMPTY.encode() in body:
                req = json.loads(body)
                original = req.pop("nextToken")[len(EMPTY) :]
                if original:
                    req["nextToken"] = original
                body = json.dumps(req).encode()
            fault = proxy.take(op)
            kind = fault.kind if fault else None
            if kind in _ERRORS and op in ("ListObjectsV2", "GetObject"):
                status, code, message = _ERRORS[kind]
                status, code = (503, "SlowDown") if kind == "throttle" else (status, code)
                xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
                self._reply(status, xml.encode(), "application/xml")
                return
            if kind in _ERRORS:
                status, code, message = _ERRORS[kind]
                self._reply(status, json.dumps({"__type": code, "message": message}).encode())
                return
            if kind == "denied":
                self._reply(
                    400,
                    json.dumps(
                        {"__type": "AccessDeniedException", "message": fault.message}
                    ).encode(),
                )
                return
            if kind == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if kind == "empty":
                token = json.loads(body).get("nextToken") or ""
                self._reply(200, json.dumps({"events": [], "nextToken": EMPTY + token}).encode())
                return
            if kind == "running":
                self._reply(200, json.dumps({"status": "Running", "results": []}).encode())
                return
            if op == "StopQuery":
                self._reply(200, b'{"success": true}')
                return
            if op == "GetMetricData" and PAGE.encode() in body:
                token = json.loads(body)["NextToken"]
                with proxy.lock:
                    stored = proxy.pages.pop(token)
                self._reply(200, stored, "application/x-amz-json-1.0")
                return
            status, headers, data = self._forward(body)
            if kind in ("page", "internal") and status == 200:
                data = _metric_fault(proxy, kind, data)
            if kind == "cut":
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle

    return Handler


def _metric_fault(proxy: Proxy, kind: str, data: bytes) -> bytes:
    """Rewrite a GetMetricData response: split it in two pages, or mark it InternalError."""
    resp = json.loads(data)
    results = resp.get("MetricDataResults", [])
    if kind == "internal":
        for r in results:
            r.update(StatusCode="InternalError", Timestamps=[], Values=[])
        return json.dumps(resp).encode()
    rest = []
    for r in results:
        n = len(r.get("Timestamps", [])) // 2
        rest.append({**r, "Timestamps": r["Timestamps"][n:], "Values": r["Values"][n:]})
        r.update(StatusCode="PartialData", Timestamps=r["Timestamps"][:n], Values=r["Values"][:n])
    token = f"{PAGE}{len(proxy.pages)}-{id(resp)}"
    with proxy.lock:
        proxy.pages[token] = json.dumps({"MetricDataResults": rest}).encode()
    resp["NextToken"] = token
    return json.dumps(resp).encode()


class LocalAws:
    """moto on a free port with the proxy in front; ``endpoint`` is the proxy's URL."""

    def __init__(self) -> None:
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        self.proxy = Proxy(self.moto.get_host_and_port())
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.proxy))
        self.http.daemon_threads = True
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self._thread.start()
        host, port = self.http.server_address[:2]
        self.endpoint = f"http://{host}:{port}"
        mhost, mport = self.moto.get_host_and_port()
        self.moto_endpoint = f"http://{mhost}:{mport}"

    def stop(self) -> None:
        self.http.shutdown()
        self.moto.stop()


#: A dummy secret: the tests check it never shows up in logs, errors or the cache.
SECRET = "dummySecretKeyThatMustNeverLeak0123456789"
GROUP = "/aws/vendedlogs/vpn"


def aws_env(mp: Any, endpoint: str) -> None:
    """Point boto3 at ``endpoint`` with dummy credentials; no profile, no config files."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        mp.delenv(var, raising=False)
    mp.setenv("AWS_ENDPOINT_URL", endpoint)
    mp.setenv("AWS_ACCESS_KEY_ID", "AKIATESTDUMMY0000000")
    mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
    mp.setenv("AWS_REGION", "us-east-1")
    mp.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    mp.setenv("AWS_EC2_METADATA_DISABLED", "true")


def put_records(logs: Any, group: str, records: Any) -> None:
    """PutLogEvents every record of a simulation (``log_stream``, ``time``, ``message``)."""
    logs.create_log_group(logGroupName=group)
    for stream, part in records.groupby("log_stream", sort=False, observed=True):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        ms = part["time"].array.asi8 // 1_000_000
        msgs = part["message"].tolist()
        for i in range(0, len(part), 5000):
            batch = [
                {"timestamp": int(t), "message": m}
                for t, m in zip(ms[i : i + 5000], msgs[i : i + 5000], strict=True)
            ]
            resp = logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
            assert not resp.get("rejectedLogEventsInfo"), resp
